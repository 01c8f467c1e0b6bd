// The preload that decides whether the Temporal SDK's workflow thread collects stack traces
// (src/worker/workflowThread.cjs), run as the start scripts run it: `node --require` it, then the
// SDK's own global handlers are installed in the main thread and in a worker thread. Real threads,
// no Temporal server.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it, vi } from 'vitest';
import { reportStackTraces, workflowStackTraces } from '../../../src/worker';
import type { Logger } from '../../../src/logger';

const root = fileURLToPath(new URL('../../..', import.meta.url));
const preload = fileURLToPath(new URL('../../../src/worker/workflowThread.cjs', import.meta.url));

// In the main thread and in a worker thread (the SDK's workflow thread is one): installs the SDK's
// own global handlers, as its workflow thread does, and reports whether its stack-trace promise hook
// went in, and whether Node's AsyncLocalStorage (which installs promise hooks through the same
// function, and the SDK's cancellation scopes use) still carries its store across awaits.
const PROBE = `
const { Worker } = require('node:worker_threads');
const probe = async () => {
  const { globalHandlers } = require('@temporalio/worker/lib/workflow/vm-shared');
  globalHandlers.install();
  const { AsyncLocalStorage } = require('node:async_hooks');
  const als = new AsyncLocalStorage();
  const store = await als.run(7, async () => {
    await null;
    await new Promise((r) => setTimeout(r, 1));
    return als.getStore();
  });
  console.warn('another warning');
  return { sdkHook: globalHandlers.promiseHookInstalled, store };
};
probe().then((main) => {
  const marker = globalThis[Symbol.for('switchyard.workflowThreadPreload')];
  const w = new Worker(
    'const p = ' + probe + '; p().then((r) => require("node:worker_threads").parentPort.postMessage(r))',
    { eval: true },
  );
  w.once('message', (thread) => console.log(JSON.stringify({ main, thread, marker: marker ?? null })));
});
`;

interface Probed {
  sdkHook: boolean;
  store: number;
}

function run(env: Record<string, string>, withPreload = true) {
  const out = spawnSync(process.execPath, [...(withPreload ? ['--require', preload] : []), '-e', PROBE], {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    encoding: 'utf8',
    timeout: 30_000,
  });
  expect(out.status, out.stderr).toBe(0);
  return { ...(JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}') as object), stderr: out.stderr } as {
    main: Probed;
    thread: Probed;
    marker: { stackTraces: boolean } | null;
    stderr: string;
  };
}

describe('the workflow-thread preload', () => {
  it.each([
    ['unset', {}],
    ['false', { SWITCHYARD_WORKFLOW_STACK_TRACES: 'false' }],
    ['anything but true, 1 or yes', { SWITCHYARD_WORKFLOW_STACK_TRACES: 'on' }],
  ])("refuses the SDK's stack-trace hook in worker threads only, when the setting is %s", (_, env) => {
    const r = run(env);
    expect(r.main).toEqual({ sdkHook: true, store: 7 });
    expect(r.thread).toEqual({ sdkHook: false, store: 7 });
    expect(r.marker).toEqual({ stackTraces: false });
    // The SDK's misleading "not available" line is dropped; other warnings pass.
    expect(r.stderr).not.toContain('createHook is not available');
    expect(r.stderr.match(/another warning/g)).toHaveLength(2);
  });

  it.each(['true', '1', 'yes'])(
    'leaves promise hooks alone with SWITCHYARD_WORKFLOW_STACK_TRACES=%s',
    (v) => {
      const r = run({ SWITCHYARD_WORKFLOW_STACK_TRACES: v });
      expect([r.main, r.thread]).toEqual([
        { sdkHook: true, store: 7 },
        { sdkHook: true, store: 7 },
      ]);
      expect(r.marker).toEqual({ stackTraces: true });
    },
  );

  it('changes nothing when not preloaded', () => {
    const r = run({}, false);
    expect([r.main, r.thread, r.marker]).toEqual([
      { sdkHook: true, store: 7 },
      { sdkHook: true, store: 7 },
      null,
    ]);
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
