// `npm run start:api`: the API alone, for scale-out (needs DATABASE_URL and TEMPORAL_ADDRESS).
import { runCli } from '../cli';

await runCli({ api: true, worker: false });
