// emergencyWatchdog with a mocked createJobRuns on the fake workflow runtime: when emergency runs
// start, what re-arms the timer, and how the deadline survives continue-as-new.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import type { Activities } from '../../../src/activities';
import { emergencyWatchdog } from '../../../src/workflows/channels/emergencyWatchdog';
import { deferred, WorkflowHarness, type HarnessOptions } from '../../support/workflowHarness';

vi.mock('@temporalio/workflow', async (importOriginal) =>
  (await import('../../support/workflowHarness')).workflowModuleMock(await importOriginal()),
);

const M = 60_000;
const H = 60 * M;

let h: WorkflowHarness;
afterEach(() => h?.dispose());

const input = { accountId: 'acc_1', channelId: 'ch_1', jobType: 'orders', periodMs: H };

/** A watchdog whose createJobRuns makes one run per call (`stale` ends it). */
function setUp(opts: { stale?: boolean; searchAttributes?: boolean; child?: HarnessOptions['child'] } = {}) {
  let n = 0;
  const createJobRuns = vi.fn<Activities['createJobRuns']>(async () => ({
    runs: opts.stale ? [] : [{ jobRunId: `jrun_${++n}`, channelId: 'ch_1' }],
    stale: opts.stale ?? false,
    searchAttributes: opts.searchAttributes ?? false,
  }));
  h = new WorkflowHarness({ activities: { createJobRuns }, ...(opts.child ? { child: opts.child } : {}) });
  const t0 = h.now;
  /** When emergency runs were asked for, relative to the start. */
  const emergencyTimes = () => createJobRuns.mock.calls.map(([c]) => c.scheduledForMs - t0);
  return { createJobRuns, t0, emergencyTimes };
}

describe('emergencyWatchdog', () => {
  it('starts an emergency run after one period with no success, then every period', async () => {
    const { createJobRuns, t0, emergencyTimes } = setUp();
    await h.start(emergencyWatchdog, input);
    expect(h.memo).toEqual({ emergencyDueAt: new Date(t0 + H).toISOString(), periodMs: H });
    await h.advance(H - 1);
    expect(createJobRuns).not.toHaveBeenCalled();
    await h.advance(1);
    expect(createJobRuns).toHaveBeenCalledExactlyOnceWith({
      accountId: 'acc_1',
      jobType: 'orders',
      channelId: 'ch_1',
      trigger: 'emergency',
      scheduledForMs: t0 + H,
      origin: `run-1:${t0 + H}`,
    });
    expect(h.children).toEqual([
      expect.objectContaining({
        kind: 'start',
        workflowType: 'runJob',
        workflowId: 'job-run:jrun_1',
        atMs: t0 + H,
        options: expect.objectContaining({ args: [{ jobRunId: 'jrun_1' }], parentClosePolicy: 'ABANDON' }),
      }),
    ]);
    expect(h.children[0]!.options).not.toHaveProperty('typedSearchAttributes');
    await h.advance(2 * H);
    expect(emergencyTimes()).toEqual([H, 2 * H, 3 * H]);
    expect(h.memo.emergencyDueAt).toBe(new Date(t0 + 4 * H).toISOString());
  });

  it('tags the emergency run with search attributes when the server has them', async () => {
    setUp({ searchAttributes: true });
    await h.start(emergencyWatchdog, input);
    await h.advance(H);
    expect(h.children[0]!.options.typedSearchAttributes).toEqual([
      { key: expect.objectContaining({ name: 'SwitchyardAccountId' }), value: 'acc_1' },
      { key: expect.objectContaining({ name: 'SwitchyardJobType' }), value: 'orders' },
      { key: expect.objectContaining({ name: 'SwitchyardChannelId' }), value: 'ch_1' },
    ]);
  });

  it('re-arms a full period from each webhook job success', async () => {
    const { emergencyTimes } = setUp();
    await h.start(emergencyWatchdog, input);
    await h.advance(50 * M);
    await h.signal('webhookJobSucceeded');
    await h.advance(50 * M);
    await h.signal('webhookJobSucceeded');
    await h.advance(H - 1);
    expect(emergencyTimes()).toEqual([]);
    await h.advance(1);
    expect(emergencyTimes()).toEqual([100 * M + H]);
  });

  it('re-arms at once when reconfigured with a new period', async () => {
    const { t0, emergencyTimes } = setUp();
    await h.start(emergencyWatchdog, input);
    await h.advance(10 * M);
    await h.signal('reconfigure', { periodMs: 30 * M });
    expect(h.memo).toEqual({ emergencyDueAt: new Date(t0 + 40 * M).toISOString(), periodMs: 30 * M });
    await h.advance(H);
    expect(emergencyTimes()).toEqual([40 * M, 70 * M]);
  });

  it('keeps its deadline when reconfigured with the same period', async () => {
    const { emergencyTimes } = setUp();
    await h.start(emergencyWatchdog, input);
    await h.advance(50 * M);
    await h.signal('reconfigure', { periodMs: H });
    await h.advance(10 * M);
    expect(emergencyTimes()).toEqual([H]);
  });

  it('ends on stop, with no further run', async () => {
    const { createJobRuns } = setUp();
    await h.start(emergencyWatchdog, input);
    await h.advance(30 * M);
    await h.signal('stop');
    expect(h.outcome()).toEqual({ status: 'completed', result: 'stopped' });
    expect(h.nextTimerAt()).toBeUndefined();
    expect(createJobRuns).not.toHaveBeenCalled();
  });

  it('lets the last of stop and reconfigure win when they arrive together', async () => {
    const { emergencyTimes } = setUp();
    await h.start(emergencyWatchdog, input);
    await h.signals(['stop'], ['reconfigure', { periodMs: 30 * M }]);
    expect(h.outcome().status).toBe('running');
    await h.advance(30 * M);
    expect(emergencyTimes()).toEqual([30 * M]);
    await h.signals(['reconfigure', { periodMs: 10 * M }], ['stop']);
    expect(h.outcome()).toEqual({ status: 'completed', result: 'stopped' });
  });

  it("ends 'stale' when the configuration no longer asks for emergency runs", async () => {
    const { emergencyTimes } = setUp({ stale: true });
    await h.start(emergencyWatchdog, input);
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: 'stale' });
    expect(emergencyTimes()).toEqual([H]);
    expect(h.children).toEqual([]);
  });

  it('carries on when the run was already started, and fails on any other start error', async () => {
    const already = new WorkflowExecutionAlreadyStartedError('already started', 'job-run:jrun_1', 'runJob');
    const { emergencyTimes } = setUp({
      child: () => {
        throw already;
      },
    });
    await h.start(emergencyWatchdog, input);
    await h.advance(2 * H);
    expect(emergencyTimes()).toEqual([H, 2 * H]);
    expect(h.outcome().status).toBe('running');
    h.dispose();

    const broken = new Error('no connection');
    setUp({
      child: () => {
        throw broken;
      },
    });
    await h.start(emergencyWatchdog, input);
    await h.advance(H);
    expect(h.outcome()).toEqual({ status: 'failed', error: broken });
  });

  it('continues as new after cyclesPerRun cycles, carrying the deadline and the period', async () => {
    const { t0, createJobRuns, emergencyTimes } = setUp();
    await h.start(emergencyWatchdog, { ...input, cyclesPerRun: 2 });
    await h.advance(10 * M);
    await h.signal('reconfigure', { periodMs: 30 * M }); // cycle 1: due at +40 min
    await h.advance(30 * M); // cycle 2: the emergency run, due next at +70 min
    expect(h.outcome()).toEqual({
      status: 'continuedAsNew',
      args: [{ ...input, periodMs: 30 * M, dueAtMs: t0 + 70 * M, cyclesPerRun: 2 }],
    });
    await h.continueAsNew();
    expect(h.nextTimerAt()).toBe(t0 + 70 * M);
    await h.advance(30 * M);
    expect(emergencyTimes()).toEqual([40 * M, 70 * M]);
    expect(createJobRuns.mock.calls[1]![0].origin).toBe(`run-2:${t0 + 70 * M}`);
  });

  it.each([
    ['reconfigure', [{ periodMs: 2 * H }], { status: 'continuedAsNew', periodMs: 2 * H, dueIn: 2 * H }],
    ['webhookJobSucceeded', [], { status: 'continuedAsNew', periodMs: H, dueIn: H }],
    ['stop', [], { status: 'completed' }],
  ] as const)(
    'does not lose a %s signal that arrives while the last cycle starts its emergency run',
    async (signal, args, expected) => {
      const { t0, createJobRuns } = setUp();
      const pending = deferred<Awaited<ReturnType<Activities['createJobRuns']>>>();
      createJobRuns.mockImplementationOnce(() => pending.promise);
      await h.start(emergencyWatchdog, { ...input, cyclesPerRun: 1 });
      await h.advance(H); // the emergency run is being created
      await h.advance(10 * M);
      await h.signal(signal, ...args);
      pending.resolve({ runs: [], stale: false, searchAttributes: false });
      await h.settle();
      if (expected.status === 'completed') {
        expect(h.outcome()).toEqual({ status: 'completed', result: 'stopped' });
      } else {
        expect(h.outcome()).toEqual({
          status: 'continuedAsNew',
          args: [
            {
              ...input,
              cyclesPerRun: 1,
              periodMs: expected.periodMs,
              dueAtMs: t0 + 70 * M + expected.dueIn,
            },
          ],
        });
      }
    },
  );

  it('continues as new when Temporal suggests it', async () => {
    const { t0 } = setUp();
    await h.start(emergencyWatchdog, input);
    h.continueAsNewSuggested = true;
    await h.advance(20 * M);
    await h.signal('webhookJobSucceeded');
    expect(h.outcome()).toEqual({ status: 'continuedAsNew', args: [{ ...input, dueAtMs: t0 + 80 * M }] });
  });

  /** A watchdog whose first emergency run is due at +1 h but is made 3 h late (createJobRuns retried). */
  async function lateFirstRun() {
    const ctx = setUp();
    const outage = deferred<Awaited<ReturnType<Activities['createJobRuns']>>>();
    ctx.createJobRuns.mockImplementationOnce(() => outage.promise);
    await h.start(emergencyWatchdog, input);
    await h.advance(H);
    await h.advance(3 * H);
    outage.resolve({
      runs: [{ jobRunId: 'jrun_late', channelId: 'ch_1' }],
      stale: false,
      searchAttributes: false,
    });
    await h.settle();
    return ctx;
  }

  it('after an outage, starts the missed run late, for its own deadline', async () => {
    const { t0, emergencyTimes } = await lateFirstRun();
    expect(emergencyTimes()).toEqual([H]);
    expect(h.children.map((c) => [c.workflowId, c.atMs - t0])).toEqual([['job-run:jrun_late', 4 * H]]);
  });

  // Not a second run straight after the late one: the cadence restarts from the late run.
  it('after an outage, waits a full period after the late run', async () => {
    const { t0 } = await lateFirstRun();
    expect(h.nextTimerAt()).toBe(t0 + 5 * H);
  });
});
