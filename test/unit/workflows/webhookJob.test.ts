// webhookJob on the fake workflow runtime, its runJob children answered by the test: the delay,
// the queue of runs, success reports to the emergency watchdog, and continue-as-new.
import { CancelledFailure } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { SA } from '../../../src/searchAttributes';
import { webhookJob } from '../../../src/workflows/channels/webhookJob';
import { deferred, WorkflowHarness, type HarnessOptions } from '../../support/workflowHarness';

vi.mock('@temporalio/workflow', async (importOriginal) =>
  (await import('../../support/workflowHarness')).workflowModuleMock(await importOriginal()),
);

const M = 60_000;

let h: WorkflowHarness;
afterEach(() => h?.dispose());

const input = { accountId: 'acc_1', channelId: 'ch_1', jobType: 'orders' };
const inbound = (jobRunId: string, delayMs: number) => ({ jobRunId, delayMs });

/**
 * A webhook job whose children answer from `answers` by job-run id (a value, or a promise the
 * test settles); unlisted runs succeed at once.
 */
function setUp(answers: Record<string, unknown> = {}, opts: Omit<HarnessOptions, 'child'> = {}) {
  h = new WorkflowHarness({
    ...opts,
    child: (call) => {
      const id = (call.options.args as Array<{ jobRunId: string }>)[0]!.jobRunId;
      return id in answers ? answers[id] : 'succeeded';
    },
  });
  const t0 = h.now;
  /** Each child run as [job-run id, start time relative to the start]. */
  const started = () =>
    h.children.map((c) => [(c.options.args as Array<{ jobRunId: string }>)[0]!.jobRunId, c.atMs - t0]);
  return { t0, started };
}

/** The success reports sent to the channel's emergency watchdog. */
const reports = () => h.externalSignals.map((s) => [s.workflowId, s.signal]);

describe('webhookJob', () => {
  it('waits the first run’s delay, then runs it as a runJob child', async () => {
    const { started } = setUp();
    await h.signalWithStart('inbound', [inbound('jrun_1', 5 * M)], webhookJob, input);
    await h.advance(5 * M - 1);
    expect(started()).toEqual([]);
    await h.advance(1);
    expect(started()).toEqual([['jrun_1', 5 * M]]);
    expect(h.children[0]).toMatchObject({
      kind: 'execute',
      workflowType: 'runJob',
      workflowId: 'job-run:jrun_1',
      options: { args: [{ jobRunId: 'jrun_1' }], staticSummary: 'webhook job orders for channel ch_1' },
    });
    expect(h.children[0]!.options).not.toHaveProperty('typedSearchAttributes');
    expect(h.outcome()).toEqual({ status: 'completed', result: { runs: 1 } });
  });

  it('ignores signals for the run it already has', async () => {
    const { started } = setUp();
    await h.signalWithStart('inbound', [inbound('jrun_1', 5 * M)], webhookJob, input);
    await h.advance(2 * M);
    await h.signal('inbound', inbound('jrun_1', 0));
    await h.signal('inbound', inbound('jrun_1', 10 * M));
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: { runs: 1 } });
    expect(started()).toEqual([['jrun_1', 5 * M]]);
  });

  it('queues a later run behind the running one, its delay counted from its own webhook', async () => {
    const first = deferred<string>();
    const { started } = setUp({ jrun_1: first.promise });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    await h.advance(M);
    await h.signal('inbound', inbound('jrun_2', 5 * M)); // due at +6 min
    await h.signal('inbound', inbound('jrun_3', 0)); // due now, but behind jrun_2
    await h.advance(2 * M);
    first.resolve('succeeded'); // at +3 min
    await h.settle();
    expect(started()).toEqual([['jrun_1', 0]]);
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: { runs: 3 } });
    expect(started()).toEqual([
      ['jrun_1', 0],
      ['jrun_2', 6 * M],
      ['jrun_3', 6 * M],
    ]);
  });

  it('starts a queued run at once when it became due while the one before it ran', async () => {
    const first = deferred<string>();
    const { started } = setUp({ jrun_1: first.promise });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    await h.signal('inbound', inbound('jrun_2', M));
    await h.advance(10 * M);
    first.resolve('failed');
    await h.settle();
    expect(started()).toEqual([
      ['jrun_1', 0],
      ['jrun_2', 10 * M],
    ]);
  });

  it('reports each success to the emergency watchdog, and no failure', async () => {
    setUp({ jrun_2: 'failed' });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    expect(h.outcome()).toEqual({ status: 'completed', result: { runs: 1 } });
    expect(reports()).toEqual([['emergency:ch_1:orders', 'webhookJobSucceeded']]);
    // The next webhook starts the workflow again.
    await h.signalWithStart('inbound', [inbound('jrun_2', 0)], webhookJob, input);
    expect(h.outcome()).toEqual({ status: 'completed', result: { runs: 1 } });
    expect(reports()).toHaveLength(1);
  });

  it('carries on when there is no emergency watchdog to report to', async () => {
    h = new WorkflowHarness({
      child: () => 'succeeded',
      externalSignal: () => Promise.reject(new Error('workflow not found')),
    });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    expect(h.outcome()).toEqual({ status: 'completed', result: { runs: 1 } });
    expect(h.externalSignals).toHaveLength(1);
  });

  it('keeps the queue going when a run fails, errors or is terminated', async () => {
    const first = deferred<string>();
    const { started } = setUp({ jrun_1: first.promise, jrun_2: 'failed' });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    await h.signal('inbound', inbound('jrun_2', 0));
    await h.signal('inbound', inbound('jrun_3', 0));
    first.reject(new Error('child workflow terminated'));
    await h.settle();
    expect(h.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', attrs: expect.objectContaining({ jobRunId: 'jrun_1' }) }),
    );
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: { runs: 3 } });
    expect(started().map(([id]) => id)).toEqual(['jrun_1', 'jrun_2', 'jrun_3']);
    expect(reports()).toHaveLength(1); // jrun_3 only
  });

  it('stops, rather than moving on to the next run, when it is cancelled itself', async () => {
    const cancelled = new CancelledFailure('cancelled');
    const first = deferred<string>();
    const { started } = setUp({ jrun_1: first.promise });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    await h.signal('inbound', inbound('jrun_2', 0));
    first.reject(cancelled);
    await h.settle();
    expect(h.outcome()).toEqual({ status: 'failed', error: cancelled });
    expect(started()).toHaveLength(1);
  });

  it('continues as new after 100 runs, carrying the runs still queued', async () => {
    const first = deferred<string>();
    const { t0, started } = setUp({ jrun_1: first.promise });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    for (let i = 2; i <= 102; i++) await h.signal('inbound', inbound(`jrun_${i}`, i === 102 ? 5 * M : 0));
    first.resolve('succeeded');
    await h.settle();
    expect(started()).toHaveLength(100);
    expect(h.outcome()).toEqual({
      status: 'continuedAsNew',
      args: [
        {
          ...input,
          queue: [
            { jobRunId: 'jrun_101', dueAtMs: t0 },
            { jobRunId: 'jrun_102', dueAtMs: t0 + 5 * M },
          ],
        },
      ],
    });
    await h.continueAsNew();
    await h.signal('inbound', inbound('jrun_102', 0)); // already queued: ignored
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: { runs: 2 } });
    expect(started().slice(100)).toEqual([
      ['jrun_101', 0],
      ['jrun_102', 5 * M],
    ]);
  });

  it('continues as new when Temporal suggests it, but only with runs left to do', async () => {
    const first = deferred<string>();
    const second = deferred<string>();
    setUp({ jrun_1: first.promise, jrun_2: second.promise });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    h.continueAsNewSuggested = true;
    await h.signal('inbound', inbound('jrun_2', 0));
    first.resolve('succeeded');
    await h.settle();
    expect(h.outcome()).toMatchObject({
      status: 'continuedAsNew',
      args: [{ queue: [{ jobRunId: 'jrun_2' }] }],
    });
    await h.continueAsNew();
    h.continueAsNewSuggested = true;
    second.resolve('succeeded');
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: { runs: 1 } });
  });

  it('tags its runs with search attributes when it carries them itself', async () => {
    setUp({}, { searchAttributes: [{ key: SA.account, value: 'acc_1' }] });
    await h.signalWithStart('inbound', [inbound('jrun_1', 0)], webhookJob, input);
    expect(h.children[0]!.options.typedSearchAttributes).toEqual([
      { key: SA.account, value: 'acc_1' },
      { key: SA.jobType, value: 'orders' },
      { key: SA.channel, value: 'ch_1' },
    ]);
  });
});
