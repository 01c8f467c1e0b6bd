export { purgeRetention } from './purgeRetention';
