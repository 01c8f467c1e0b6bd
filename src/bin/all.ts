// `npm start`: the embedded all-in-one default (dev server, PGlite, worker and API in one process).
import { runCli } from '../cli';

await runCli({ api: true, worker: true });
