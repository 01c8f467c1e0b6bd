// Preloaded (`node --require`) by every command that runs a Temporal worker: package.json's start,
// start:worker, start:prod and start:prod:worker, the Dockerfile and docker-compose. Node runs a
// preload in every thread of the process, and this is the only way to reach the Temporal SDK's
// workflow thread, where none of our modules is loaded (the SDK creates it with the process's
// flags; the compiled build copies this file to dist/workflow-thread.cjs).
//
// There the SDK installs a V8 promise hook that captures and source-maps a stack trace for every
// promise a workflow creates, for the Web UI's "Stack Trace" tab (the __stack_trace query). That
// costs 1–4 ms of CPU per workflow, more for a retried delivery (BENCHMARKS.md, stop 18). Unless
// SWITCHYARD_WORKFLOW_STACK_TRACES is true, the hook is refused in worker threads: the SDK then runs
// its workflows without stack traces, as it does where V8 has no promise hooks, and the query
// answers "Workflow stack traces are not enabled on this worker". Nothing else changes.
//
// CommonJS and dependency-free: it runs before tsx or anything of ours is loaded.
'use strict';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { isMainThread } = require('node:worker_threads');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const v8 = require('node:v8');

// The same words config.ts accepts for a boolean; anything else (config.ts refuses it) means off.
const on = ['true', '1', 'yes'].includes(process.env.SWITCHYARD_WORKFLOW_STACK_TRACES ?? '');

// Tells the main thread this file was preloaded, so the worker can say which mode is in effect.
globalThis[Symbol.for('switchyard.workflowThreadPreload')] = { stackTraces: on };

if (!isMainThread && !on) {
  // Only the SDK's hook is refused. Node's own AsyncLocalStorage (the SDK's cancellation scopes use
  // it) installs its promise hooks through this same function, always with `before` and `after`;
  // the SDK's stack-trace hook has `init` and `settled` only, and is installed from its vm-shared
  // module (lib/…js, or src/…ts where stacks are source-mapped). Anything else passes through.
  const createHook = v8.promiseHooks.createHook;
  v8.promiseHooks.createHook = function (hooks) {
    const sdkShaped = hooks && hooks.init && !hooks.before && !hooks.after;
    if (
      sdkShaped &&
      /[\\/]@temporalio[\\/]worker[\\/](?:lib|src)[\\/]workflow[\\/]vm-shared\.[jt]s/.test(new Error().stack)
    ) {
      throw new Error('promise hooks are off in this thread (SWITCHYARD_WORKFLOW_STACK_TRACES)');
    }
    return createHook.apply(this, arguments);
  };
  // The SDK says it on the console when the hook is refused, in words meant for old runtimes
  // ("createHook is not available"); the worker logs the real reason once instead.
  const warn = console.warn.bind(console);
  console.warn = (...args) => {
    if (typeof args[0] === 'string' && args[0].startsWith('v8.promiseHooks.createHook is not available')) {
      return;
    }
    warn(...args);
  };
}
