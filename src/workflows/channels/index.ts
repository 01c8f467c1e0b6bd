export { runJob } from './runJob';
export { webhookJob } from './webhookJob';
export { emergencyWatchdog } from './emergencyWatchdog';
export { recurringJob } from './recurringJob';
