// The preload that decides whether the Temporal SDK's workflow thread collects stack traces
// (src/worker/workflowThread.cjs), run as the start scripts run it: `node --require` it, then a
// worker thread (as the SDK's workflow thread is one) tries to install a promise hook the way the
// SDK does. Real threads, no Temporal server.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { reportStackTraces, workflowStackTraces } from '../../../src/worker';
import type { Logger } from '../../../src/logger';

const preload = fileURLToPath(new URL('../../../src/worker/workflowThread.cjs', import.meta.url));

// In the main thread and in a worker thread: can a promise hook be installed, and what reached the
// console. The thread logs the SDK's own warning text, which the preload keeps off the console.
const PROBE = `
const { Worker } = require('node:worker_threads');
const probe = () => {
  const v8 = require('node:v8');
  let hook;
  try {
    const stop = v8.promiseHooks.createHook({ init() {} });
    stop();
    hook = 'installed';
  } catch (err) {
    hook = 'refused: ' + err.message;
  }
  console.warn('v8.promiseHooks.createHook is not available; stack trace collection will be disabled.');
  console.warn('another warning');
  return hook;
};
const main = probe();
const marker = globalThis[Symbol.for('switchyard.workflowThreadPreload')];
const w = new Worker('require("node:worker_threads").parentPort.postMessage((' + probe + ')())', { eval: true });
w.once('message', (thread) => { console.log(JSON.stringify({ main, thread, marker: marker ?? null })); });
`;

function run(env: Record<string, string>, withPreload = true) {
  const out = spawnSync(process.execPath, [...(withPreload ? ['--require', preload] : []), '-e', PROBE], {
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(out.status, out.stderr).toBe(0);
  return { ...(JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}') as object), stderr: out.stderr } as {
    main: string;
    thread: string;
    marker: { stackTraces: boolean } | null;
    stderr: string;
  };
}

describe('the workflow-thread preload', () => {
  it.each([
    ['unset', {}],
    ['false', { SWITCHYARD_WORKFLOW_STACK_TRACES: 'false' }],
    ['anything but true, 1 or yes', { SWITCHYARD_WORKFLOW_STACK_TRACES: 'on' }],
  ])('refuses promise hooks in worker threads only, when the setting is %s', (_, env) => {
    const r = run(env);
    expect(r.main).toBe('installed');
    expect(r.thread).toBe('refused: promise hooks are off in this thread (SWITCHYARD_WORKFLOW_STACK_TRACES)');
    expect(r.marker).toEqual({ stackTraces: false });
    // The SDK's misleading "not available" line is dropped in that thread; other warnings pass.
    expect(r.stderr.match(/createHook is not available/g)).toHaveLength(1); // the main thread's
    expect(r.stderr.match(/another warning/g)).toHaveLength(2);
  });

  it.each(['true', '1', 'yes'])(
    'leaves promise hooks alone with SWITCHYARD_WORKFLOW_STACK_TRACES=%s',
    (v) => {
      const r = run({ SWITCHYARD_WORKFLOW_STACK_TRACES: v });
      expect([r.main, r.thread]).toEqual(['installed', 'installed']);
      expect(r.marker).toEqual({ stackTraces: true });
      expect(r.stderr.match(/createHook is not available/g)).toHaveLength(2);
    },
  );

  it('changes nothing when not preloaded', () => {
    const r = run({}, false);
    expect([r.main, r.thread, r.marker]).toEqual(['installed', 'installed', null]);
  });
});

describe('what the worker says about workflow stack traces at start-up', () => {
  const logger = () => ({ info: vi.fn(), warn: vi.fn() });

  it.each([
    [{ kind: 'off' } as const, false, 'info', /^workflow stack traces off/],
    [{ kind: 'on' } as const, true, 'info', /^workflow stack traces on/],
    [{ kind: 'not-preloaded' } as const, false, 'warn', /^workflow stack traces stay on .*--require/],
  ])('%o with the setting %s: one %s line', (traces, wanted, level, text) => {
    const log = logger();
    reportStackTraces(traces, wanted, log as unknown as Logger);
    expect(log[level as 'info' | 'warn']).toHaveBeenCalledWith(expect.stringMatching(text));
    expect(log.info.mock.calls.length + log.warn.mock.calls.length).toBe(1);
  });

  it('says nothing when stack traces are wanted and the SDK keeps them on by itself', () => {
    const log = logger();
    reportStackTraces({ kind: 'not-preloaded' }, true, log as unknown as Logger);
    expect(log.info).not.toHaveBeenCalled();
    expect(log.warn).not.toHaveBeenCalled();
  });

  it('reads what the preload left in this process (vitest does not preload it)', () => {
    expect(workflowStackTraces()).toEqual({ kind: 'not-preloaded' });
  });
});
