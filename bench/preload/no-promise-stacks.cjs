// A measurement aid, never used by Switchyard itself: preloaded with
// `BENCH_NODE_ARGS="--require $PWD/bench/preload/no-promise-stacks.cjs" npm run bench -- ...`, it turns
// the SDK's `v8.promiseHooks.createHook` call into a no-op in every thread of the process. The Temporal SDK installs
// a promise hook in its workflow thread that captures and formats a stack trace (through the
// bundle's source map) for every promise a workflow creates, for the Web UI's "Stack Trace" query;
// this measures what that costs (BENCHMARKS.md). Since stop 18 Switchyard refuses that hook in its
// workflow thread by default (src/worker/workflowThread.cjs, SWITCHYARD_WORKFLOW_STACK_TRACES); this
// file still turns it off everywhere, e.g. for a run with the setting on or an older commit.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const v8 = require('node:v8');

// Only hooks shaped like the SDK's (init, no before/after): Node's AsyncLocalStorage installs its
// own through the same function, and the SDK's cancellation scopes need it.
const createHook = v8.promiseHooks.createHook;
v8.promiseHooks.createHook = function (hooks) {
  if (hooks && hooks.init && !hooks.before && !hooks.after) return () => undefined;
  return createHook.apply(this, arguments);
};
