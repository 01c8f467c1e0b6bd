// The fake workflow runtime keeps the SDK's semantics the workflow tests rely on.
import {
  condition,
  continueAsNew,
  defineSignal,
  proxyActivities,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { deferred, WorkflowHarness } from '../support/workflowHarness';

vi.mock('@temporalio/workflow', async (importOriginal) =>
  (await import('../support/workflowHarness')).workflowModuleMock(await importOriginal()),
);

const poke = defineSignal<[number]>('poke');
const { work } = proxyActivities<{ work(): Promise<number> }>({ startToCloseTimeout: '1 minute' });

let h: WorkflowHarness;
afterEach(() => h?.dispose());

/** Waits up to `timeoutMs` for a poke or a finished activity, reporting what it saw and when. */
async function waiter(timeoutMs: number, withActivity = false) {
  let pokes = 0;
  let worked = false;
  setHandler(poke, (n) => {
    pokes += n;
  });
  if (withActivity) void work().then(() => (worked = true));
  const woken = await condition(() => pokes >= 2 || worked, timeoutMs);
  return { woken, pokes, worked, at: Date.now() };
}

describe('WorkflowHarness', () => {
  it('times a condition out at exactly its timeout, on the workflow clock', async () => {
    h = new WorkflowHarness({ startMs: 1_000_000 });
    await h.start(waiter, 500);
    await h.advance(499);
    expect(h.outcome().status).toBe('running');
    await h.advance(1);
    expect(h.result()).toEqual({ woken: false, pokes: 0, worked: false, at: 1_000_500 });
  });

  it('re-evaluates a condition after each signal, and cancels its timer when it holds', async () => {
    h = new WorkflowHarness();
    await h.start(async () => {
      const seen = await waiter(500);
      await sleep(1000);
      return seen;
    });
    await h.signal('poke', 1);
    expect(h.outcome().status).toBe('running');
    await h.signal(poke, 1);
    expect(h.nextTimerAt()).toBe(h.now + 1000); // the sleep's, not the condition's
    expect(await h.runToEnd()).toMatchObject({ result: { woken: true, pokes: 2 } });
  });

  it('re-evaluates a condition when an activity completes', async () => {
    const slow = deferred<number>();
    h = new WorkflowHarness({ activities: { work: () => slow.promise } });
    await h.start(waiter, 500, true);
    await expect(h.runToEnd()).rejects.toThrow('run blocked on activity work');
    slow.resolve(1);
    await h.settle();
    expect(h.result()).toMatchObject({ woken: true, worked: true });
  });

  it('buffers the signal of a signal-with-start', async () => {
    h = new WorkflowHarness();
    await h.signalWithStart('poke', [2], waiter, 500);
    expect(h.result()).toMatchObject({ woken: true, pokes: 2 });
  });

  it('buffers a signal that reaches a run before it sets the handler', async () => {
    h = new WorkflowHarness();
    await h.start(async () => {
      await sleep(10);
      return waiter(500);
    });
    await h.signal('poke', 2);
    expect(await h.runToEnd()).toMatchObject({ status: 'completed', result: { woken: true, pokes: 2 } });
  });

  it('sleeps at least 1 ms, like the SDK, and skips time only to timers', async () => {
    h = new WorkflowHarness({ startMs: 0 });
    await h.start(async () => {
      await sleep(0);
      const a = Date.now();
      await sleep('1 minute');
      return [a, Date.now()];
    });
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: [1, 60_001] });
    await h.start(() => condition(() => false));
    await expect(h.runToEnd()).rejects.toThrow('blocked for ever');
  });

  it('chains continue-as-new on one clock, with a new run id', async () => {
    h = new WorkflowHarness({ startMs: 0 });
    const counter = async (n: number): Promise<string> => {
      await sleep(10);
      if (n < 3) await continueAsNew<typeof counter>(n + 1);
      return `${workflowInfo().runId} at ${Date.now()}`;
    };
    await h.start(counter, 1);
    expect(await h.runToEnd()).toEqual({ status: 'continuedAsNew', args: [2] });
    await h.continueAsNew();
    expect(await h.runToEnd()).toEqual({ status: 'continuedAsNew', args: [3] });
    await h.continueAsNew();
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: 'run-3 at 30' });
  });

  it('gives the real clock back when disposed', () => {
    h = new WorkflowHarness({ startMs: 0 });
    expect(Date.now()).toBe(0);
    h.dispose();
    expect(Date.now()).toBeGreaterThan(Date.UTC(2025, 0, 1));
  });
});
