// A measurement aid, never used by Switchyard itself: preloaded with
// `BENCH_NODE_ARGS="--require $PWD/bench/preload/no-vm-timeout.cjs" npm run bench -- ...`, it drops the
// `timeout` option of vm calls in every thread of the process (preloads run in worker threads too).
// The Temporal SDK passes `timeout: isolateExecutionTimeout` (5 s) on each call into a workflow's vm
// context, and Node starts and joins a watchdog thread for every such call; this measures what that
// costs (BENCHMARKS.md, "Where a delivery's CPU goes").
// eslint-disable-next-line @typescript-eslint/no-require-imports
const vm = require('node:vm');

const strip = (o) => (o && typeof o === 'object' && 'timeout' in o ? { ...o, timeout: undefined } : o);
const scriptRunInContext = vm.Script.prototype.runInContext;
vm.Script.prototype.runInContext = function (ctx, o) {
  return scriptRunInContext.call(this, ctx, strip(o));
};
const runInContext = vm.runInContext;
vm.runInContext = function (code, ctx, o) {
  return runInContext.call(this, code, ctx, strip(o));
};
