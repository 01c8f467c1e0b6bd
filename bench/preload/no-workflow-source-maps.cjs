// A measurement aid: preloaded with
// `BENCH_NODE_ARGS="--require $PWD/bench/preload/no-workflow-source-maps.cjs" npm run bench -- ...`, it
// keeps Node's source-map support off in worker threads (the Temporal SDK's workflow thread), where
// tsx (inherited through execArgv) would turn it on. There every promise's stack capture and every
// compiled script otherwise goes through Node's source-map machinery.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isMainThread } = require('node:worker_threads');

if (!isMainThread) {
  const set = process.setSourceMapsEnabled.bind(process);
  set(false);
  process.setSourceMapsEnabled = () => set(false);
}
