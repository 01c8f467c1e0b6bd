// `npm run start:worker`: the worker alone, for scale-out (needs DATABASE_URL and TEMPORAL_ADDRESS).
import { runCli } from '../cli';

await runCli({ api: false, worker: true });
