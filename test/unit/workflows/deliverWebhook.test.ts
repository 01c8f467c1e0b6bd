// deliverWebhook with mocked activities on the fake workflow runtime: the signals, the status
// query, the stop causes and an ordered delivery's wait for its lane, without a Temporal server (the
// server-backed behaviour, with real HTTP and a database, is in test/workflows/deliverWebhook.test.ts
// and test/api/lanes.test.ts).
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Activities } from '../../../src/activities';
import type { AttemptResult } from '../../../src/activities/webhooks/attempt';
import type { RetryPolicy } from '../../../src/rules/retryPolicy';
import type { StopCause } from '../../../src/rules/webhookHealth';
import { deliverWebhook } from '../../../src/workflows/webhooks/deliverWebhook';
import type { DeliverInput } from '../../../src/workflows/webhooks/contract';
import { deferred, WorkflowHarness } from '../../support/workflowHarness';

vi.mock('@temporalio/workflow', async (importOriginal) =>
  (await import('../../support/workflowHarness')).workflowModuleMock(await importOriginal()),
);

const S = 1000;
const M = 60 * S;
const H = 60 * M;

const fixed = (seconds: number, maxAttempts = 10): RetryPolicy => ({
  policy: 'countdown',
  config: { choice: 'fixed', kwargs: { seconds } },
  maxAttempts,
});
const failed = (policy: RetryPolicy, error = 'HTTP 500'): AttemptResult => ({
  outcome: 'failed',
  startedAt: 0,
  statusCode: 500,
  error,
  retryAfterMs: undefined,
  policy,
});
const delivered: AttemptResult = { outcome: 'delivered', startedAt: 0, statusCode: 200 };
const stopped = (kind: StopCause['kind']): AttemptResult => ({
  outcome: 'stopped',
  startedAt: 0,
  cause: { kind },
});

let h: WorkflowHarness;
afterEach(() => h?.dispose());

const WORKFLOW_ID = 'delivery:evt_1:whk_1';

/** A delivery whose attempts answer `results` in turn (then keep answering the last one). */
function setUp(results: AttemptResult[]) {
  let n = 0;
  const activities = {
    attemptDelivery: vi.fn<Activities['attemptDelivery']>(
      async () => results[Math.min(n++, results.length - 1)]!,
    ),
    scheduleRetry: vi.fn<Activities['scheduleRetry']>(async () => undefined),
    finishDelivery: vi.fn<Activities['finishDelivery']>(async () => undefined),
    joinLane: vi.fn<Activities['joinLane']>(async () => undefined),
    leaveLane: vi.fn<Activities['leaveLane']>(async () => undefined),
  };
  h = new WorkflowHarness({ activities, workflowId: WORKFLOW_ID });
  const t0 = h.now;
  /** Workflow time of each attempt, relative to the start. */
  const attemptTimes = () =>
    h.activityCalls.filter((c) => c.name === 'attemptDelivery').map((c) => c.atMs - t0);
  return { ...activities, t0, attemptTimes };
}

const input = (over: Partial<DeliverInput> = {}): DeliverInput => ({
  deliveryId: 'dlv_1',
  delayMs: null,
  cycle: 1,
  firstAttemptNumber: 1,
  test: false,
  ...over,
});

const iso = (ms: number) => new Date(ms).toISOString();
/** What a cancel asks finishDelivery for. */
const cancelledByRequest = (cycle: number) => ({
  deliveryId: 'dlv_1',
  status: 'cancelled',
  cycle,
  reason: 'cancelled by request',
});

describe('deliverWebhook: delay and attempts', () => {
  it('waits the webhook delay before the first attempt, showing it as waiting', async () => {
    const { t0, attemptTimes } = setUp([delivered]);
    await h.start(deliverWebhook, input({ delayMs: 30 * S }));
    expect(h.query('status')).toEqual({
      state: 'waiting',
      attempts: 0,
      nextAttemptAt: iso(t0 + 30 * S),
      lastError: null,
    });
    await h.advance(30 * S - 1);
    expect(attemptTimes()).toEqual([]);
    await h.advance(1);
    expect(attemptTimes()).toEqual([30 * S]);
    expect(h.result()).toBe('delivered');
    expect(h.query('status')).toMatchObject({ state: 'delivered', attempts: 1, nextAttemptAt: null });
  });

  it('retries after each countdown, numbering attempts on from firstAttemptNumber', async () => {
    const policy = fixed(10);
    const { attemptDelivery, scheduleRetry, finishDelivery, t0, attemptTimes } = setUp([
      failed(policy),
      failed(policy),
      delivered,
    ]);
    await h.start(deliverWebhook, input({ cycle: 2, firstAttemptNumber: 4 }));
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: 'delivered' });
    expect(attemptTimes()).toEqual([0, 10 * S, 20 * S]);
    expect(attemptDelivery.mock.calls.map(([a]) => a)).toEqual([
      { deliveryId: 'dlv_1', number: 4, cycle: 2, test: false },
      { deliveryId: 'dlv_1', number: 5, cycle: 2, test: false },
      { deliveryId: 'dlv_1', number: 6, cycle: 2, test: false },
    ]);
    expect(scheduleRetry.mock.calls.map(([a]) => a)).toEqual([
      { deliveryId: 'dlv_1', nextAttemptAt: t0 + 10 * S },
      { deliveryId: 'dlv_1', nextAttemptAt: t0 + 20 * S },
    ]);
    expect(finishDelivery).not.toHaveBeenCalled();
  });

  it('counts the countdown from the failed attempt, not from the bookkeeping after it', async () => {
    const policy = fixed(10);
    const slowAttempt = deferred<AttemptResult>();
    const slowBookkeeping = deferred<void>();
    const { attemptDelivery, scheduleRetry, t0, attemptTimes } = setUp([delivered]);
    attemptDelivery.mockImplementationOnce(() => slowAttempt.promise);
    scheduleRetry.mockImplementationOnce(() => slowBookkeeping.promise);
    await h.start(deliverWebhook, input());
    await h.advance(5 * S); // the attempt takes 5 s
    slowAttempt.resolve(failed(policy));
    await h.settle();
    expect(scheduleRetry).toHaveBeenCalledWith({ deliveryId: 'dlv_1', nextAttemptAt: t0 + 15 * S });
    await h.advance(3 * S); // recording the retry takes 3 s
    slowBookkeeping.resolve(undefined);
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, 15 * S]);
  });

  it('gives up when the policy allows no further attempt: failed, with the last error', async () => {
    const { finishDelivery, scheduleRetry } = setUp([failed(fixed(10, 2), 'HTTP 502')]);
    await h.start(deliverWebhook, input());
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: 'failed' });
    expect(h.activityCalls.filter((c) => c.name === 'attemptDelivery')).toHaveLength(2);
    expect(scheduleRetry).toHaveBeenCalledTimes(1);
    expect(finishDelivery).toHaveBeenCalledExactlyOnceWith({
      deliveryId: 'dlv_1',
      status: 'failed',
      cycle: 1,
      reason: 'HTTP 502',
    });
    expect(h.query('status')).toEqual({
      state: 'failed',
      attempts: 2,
      nextAttemptAt: null,
      lastError: 'HTTP 502',
    });
  });

  it('gives a test delivery one attempt, at once, whatever its delay and policy', async () => {
    const { attemptDelivery, scheduleRetry, finishDelivery, attemptTimes } = setUp([failed(fixed(10))]);
    await h.start(deliverWebhook, input({ test: true, delayMs: H }));
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: 'failed' });
    expect(attemptTimes()).toEqual([0]);
    expect(attemptDelivery).toHaveBeenCalledWith({ deliveryId: 'dlv_1', number: 1, cycle: 1, test: true });
    expect(scheduleRetry).not.toHaveBeenCalled();
    expect(finishDelivery).toHaveBeenCalledWith(
      expect.objectContaining({ status: 'failed', reason: 'HTTP 500' }),
    );
  });
});

describe('deliverWebhook: retryNow and cancel', () => {
  it('shows a countdown as retrying with its next attempt time', async () => {
    const { t0 } = setUp([failed(fixed(3600))]);
    await h.start(deliverWebhook, input());
    expect(h.query('status')).toEqual({
      state: 'retrying',
      attempts: 1,
      nextAttemptAt: iso(t0 + H),
      lastError: 'HTTP 500',
    });
  });

  it('retryNow during a countdown attempts at once, and the next countdown is a full one', async () => {
    const policy = fixed(3600);
    const { attemptTimes } = setUp([failed(policy), failed(policy), delivered]);
    await h.start(deliverWebhook, input());
    await h.advance(5 * M);
    await h.signal('retryNow');
    expect(attemptTimes()).toEqual([0, 5 * M]);
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, 5 * M, 5 * M + H]);
  });

  it('retryNow during the delay attempts at once', async () => {
    const { attemptTimes } = setUp([delivered]);
    await h.start(deliverWebhook, input({ delayMs: H }));
    await h.advance(M);
    await h.signal('retryNow');
    expect(attemptTimes()).toEqual([M]);
    expect(h.result()).toBe('delivered');
  });

  // A delayed start (deliverWebhookStart's startDelay): the run begins when the delay is over, or
  // when a signal ends it early, and then finds that signal already delivered, as here.
  it.each([
    ['a start delay that retryNow ended', { startDelayMs: H }],
    ['a run a retry-now’s signal-with-start created', { startedBySignal: true }],
  ])('%s attempts at once, then waits its countdown after a failure', async (_name, extra) => {
    const { attemptTimes } = setUp([failed(fixed(30)), delivered]);
    await h.signalWithStart('retryNow', [], deliverWebhook, input(extra));
    expect(attemptTimes()).toEqual([0]);
    expect(h.query('status')).toMatchObject({ state: 'retrying', nextAttemptAt: iso(h.now + 30 * S) });
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, 30 * S]);
    expect(h.result()).toBe('delivered');
  });

  it('a start delay that cancel ended ends it cancelled before any attempt', async () => {
    const { attemptDelivery, finishDelivery } = setUp([delivered]);
    await h.signalWithStart('cancel', [], deliverWebhook, input({ startDelayMs: H }));
    expect(h.result()).toBe('cancelled');
    expect(attemptDelivery).not.toHaveBeenCalled();
    expect(finishDelivery).toHaveBeenCalledExactlyOnceWith(cancelledByRequest(1));
  });

  it('cancel during a countdown ends it cancelled through finishDelivery, with no further attempt', async () => {
    const { finishDelivery } = setUp([failed(fixed(3600))]);
    await h.start(deliverWebhook, input({ cycle: 3 }));
    await h.advance(M);
    await h.signal('cancel');
    expect(h.result()).toBe('cancelled');
    expect(finishDelivery).toHaveBeenCalledExactlyOnceWith(cancelledByRequest(3));
    expect(h.activityCalls.filter((c) => c.name === 'attemptDelivery')).toHaveLength(1);
    expect(h.query('status')).toMatchObject({ state: 'cancelled', nextAttemptAt: null });
  });

  it('cancel during the delay ends it cancelled before any attempt', async () => {
    const { attemptDelivery, finishDelivery } = setUp([delivered]);
    await h.start(deliverWebhook, input({ delayMs: H }));
    await h.signal('cancel');
    expect(h.result()).toBe('cancelled');
    expect(attemptDelivery).not.toHaveBeenCalled();
    expect(finishDelivery).toHaveBeenCalledWith(expect.objectContaining({ status: 'cancelled' }));
  });

  it('cancel during an attempt lets it finish: a failure then ends cancelled, a success stays delivered', async () => {
    const inFlight = deferred<AttemptResult>();
    const { attemptDelivery, scheduleRetry, finishDelivery } = setUp([]);
    attemptDelivery.mockImplementationOnce(() => inFlight.promise);
    await h.start(deliverWebhook, input());
    await h.signal('cancel');
    expect(h.outcome().status).toBe('running');
    inFlight.resolve(failed(fixed(10)));
    await h.settle();
    expect(h.result()).toBe('cancelled');
    expect(scheduleRetry).not.toHaveBeenCalled();
    expect(finishDelivery).toHaveBeenCalledWith(expect.objectContaining({ status: 'cancelled' }));
    h.dispose();

    const succeeding = deferred<AttemptResult>();
    const second = setUp([]);
    second.attemptDelivery.mockImplementationOnce(() => succeeding.promise);
    await h.start(deliverWebhook, input());
    await h.signal('cancel');
    succeeding.resolve(delivered);
    await h.settle();
    expect(h.result()).toBe('delivered');
    expect(second.finishDelivery).not.toHaveBeenCalled();
  });
});

describe('deliverWebhook: waiting for a rate-limit token', () => {
  const throttled = (slot: number, waitMs: number): AttemptResult => ({ outcome: 'throttled', slot, waitMs });
  const asks = () =>
    h.activityCalls.filter((c) => c.name === 'attemptDelivery').map((c) => c.args[0] as { slot?: number });

  it('is not an attempt: waits for its slot, asks again with it, and counts one attempt', async () => {
    const { attemptDelivery, scheduleRetry, t0, attemptTimes } = setUp([throttled(777, 2 * S), delivered]);
    await h.start(deliverWebhook, input());
    expect(h.query('status')).toEqual({
      state: 'waiting',
      attempts: 0,
      nextAttemptAt: iso(t0 + 2 * S),
      lastError: null,
    });
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, 2 * S]);
    expect(attemptDelivery.mock.calls.map(([a]) => a)).toEqual([
      { deliveryId: 'dlv_1', number: 1, cycle: 1, test: false },
      { deliveryId: 'dlv_1', number: 1, cycle: 1, test: false, slot: 777 },
    ]);
    expect(scheduleRetry).not.toHaveBeenCalled();
    expect(h.query('status')).toMatchObject({ state: 'delivered', attempts: 1 });
  });

  it('asks again after 5 minutes at most, keeping its slot', async () => {
    const { attemptTimes } = setUp([throttled(9, 2 * H), throttled(9, 2 * H - 5 * M), delivered]);
    await h.start(deliverWebhook, input());
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, 5 * M, 10 * M]);
    expect(asks().map((a) => a.slot)).toEqual([undefined, 9, 9]);
  });

  it.each(['rateLimitChanged', 'retryNow'])('%s during the wait asks again at once', async (signal) => {
    const { attemptTimes } = setUp([throttled(9, H), delivered]);
    await h.start(deliverWebhook, input());
    await h.advance(M);
    await h.signal(signal);
    expect(attemptTimes()).toEqual([0, M]);
    expect(h.result()).toBe('delivered');
  });

  it('rateLimitChanged does not cut a retry countdown short', async () => {
    const { attemptTimes } = setUp([failed(fixed(60)), delivered]);
    await h.start(deliverWebhook, input());
    await h.signal('rateLimitChanged');
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, M]);
  });

  it('a throttled retry keeps its attempt number and the countdown before it', async () => {
    const { attemptTimes } = setUp([failed(fixed(60)), throttled(5, 30 * S), delivered]);
    await h.start(deliverWebhook, input());
    await h.runToEnd();
    expect(attemptTimes()).toEqual([0, M, M + 30 * S]);
    expect(h.activityCalls.map((c) => (c.args[0] as { number?: number }).number)).toEqual([
      1,
      undefined,
      2,
      2,
    ]);
    expect(h.query('status')).toMatchObject({ state: 'delivered', attempts: 2 });
  });

  it('cancel during the wait ends it cancelled, with no attempt made', async () => {
    const { finishDelivery } = setUp([throttled(9, H)]);
    await h.start(deliverWebhook, input());
    await h.signal('cancel');
    expect(h.result()).toBe('cancelled');
    expect(asks()).toHaveLength(1);
    expect(finishDelivery).toHaveBeenCalledExactlyOnceWith({
      deliveryId: 'dlv_1',
      status: 'cancelled',
      cycle: 1,
      reason: 'cancelled by request',
    });
  });
});

describe('deliverWebhook: stopped attempts', () => {
  it.each([
    ['webhook_deleted', 'webhook deleted'],
    ['webhook_disabled', 'webhook disabled'],
  ] as const)(
    '%s: refused before sending, the activity settled the row: failed, no finishDelivery',
    async (kind, reason) => {
      const { finishDelivery, scheduleRetry } = setUp([stopped(kind)]);
      await h.start(deliverWebhook, input());
      expect(h.result()).toBe('failed');
      expect(finishDelivery).not.toHaveBeenCalled();
      expect(scheduleRetry).not.toHaveBeenCalled();
      expect(h.query('status')).toEqual({
        state: 'failed',
        attempts: 1,
        nextAttemptAt: null,
        lastError: reason,
      });
    },
  );

  it.each([
    ['gone', 'the target answered 410 Gone'],
    ['failing_too_long', 'every delivery failed for 5 days with no success'],
  ] as const)(
    '%s: the webhook is disabled after sending: failed through finishDelivery',
    async (kind, reason) => {
      const { finishDelivery, scheduleRetry } = setUp([stopped(kind)]);
      await h.start(deliverWebhook, input({ cycle: 2 }));
      expect(h.result()).toBe('failed');
      expect(finishDelivery).toHaveBeenCalledExactlyOnceWith({
        deliveryId: 'dlv_1',
        status: 'failed',
        cycle: 2,
        reason,
      });
      expect(scheduleRetry).not.toHaveBeenCalled();
      expect(h.query('status')).toMatchObject({ state: 'failed', attempts: 1, nextAttemptAt: null });
    },
  );
});

describe('deliverWebhook: inputs it cannot carry out', () => {
  it.each([
    ['a delay whose wake-up is no date (104249991d)', 104_249_991 * 24 * H],
    ['a delay beyond 366d', 367 * 24 * H],
    ['a negative delay', -S],
  ])('fails %s at once with the reason, instead of failing its task for ever', async (_name, delayMs) => {
    const { attemptDelivery, finishDelivery } = setUp([delivered]);
    await h.start(deliverWebhook, input({ delayMs }));
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: 'failed' });
    expect(attemptDelivery).not.toHaveBeenCalled();
    expect(finishDelivery).toHaveBeenCalledExactlyOnceWith({
      deliveryId: 'dlv_1',
      status: 'failed',
      cycle: 1,
      reason: expect.stringMatching(/^Switchyard cannot carry out this delivery: its delay/),
    });
    expect(h.query('status')).toMatchObject({ state: 'failed', nextAttemptAt: null });
  });
});

describe('deliverWebhook: ordered delivery (input.lane)', () => {
  const lane = { accountId: 'acc_1', webhookId: 'whk_1', orderingKey: 'ORD-7' };
  /** The activities called, in order. */
  const calls = () => h.activityCalls.map((c) => c.name);

  it('joins its lane with its workflow id, and waits for its turn before the first attempt, showing it', async () => {
    const { joinLane, leaveLane, attemptTimes } = setUp([delivered]);
    await h.start(deliverWebhook, input({ lane }));
    expect(joinLane).toHaveBeenCalledExactlyOnceWith({ lane, deliveryId: 'dlv_1', workflowId: WORKFLOW_ID });
    expect(h.query('status')).toEqual({
      state: 'waiting',
      waitingForLane: true,
      attempts: 0,
      nextAttemptAt: null,
      lastError: null,
    });
    await h.advance(24 * H); // no timer: only the lane lets it through
    expect(attemptTimes()).toEqual([]);
    expect(h.outcome().status).toBe('running');
    await h.signal('laneTurn');
    expect(attemptTimes()).toEqual([24 * H]);
    expect(h.result()).toBe('delivered');
    expect(h.query('status')).toMatchObject({ state: 'delivered', waitingForLane: false });
    expect(calls()).toEqual(['joinLane', 'attemptDelivery', 'leaveLane']);
    expect(leaveLane).toHaveBeenCalledExactlyOnceWith({ lane, deliveryId: 'dlv_1' });
  });

  it('joins its lane only once the webhook delay is over', async () => {
    const { joinLane, attemptTimes } = setUp([delivered]);
    await h.start(deliverWebhook, input({ lane, delayMs: 30 * S }));
    expect(joinLane).not.toHaveBeenCalled();
    await h.advance(30 * S);
    expect(h.activityCalls).toEqual([expect.objectContaining({ name: 'joinLane', atMs: h.now })]);
    await h.advance(M);
    await h.signal('laneTurn');
    expect(attemptTimes()).toEqual([30 * S + M]);
  });

  it.each([
    [
      'a retryNow during the wait',
      async () => {
        await h.start(deliverWebhook, input({ lane }));
        await h.signal('retryNow');
      },
    ],
    [
      'the retryNow whose signal-with-start created the run',
      () => h.signalWithStart('retryNow', [], deliverWebhook, input({ lane, startedBySignal: true })),
    ],
  ])('%s does not jump the lane, nor cut the countdown after its first attempt', async (_name, begin) => {
    const { attemptTimes } = setUp([failed(fixed(3600)), delivered]);
    await begin();
    expect(attemptTimes()).toEqual([]);
    expect(h.query('status')).toMatchObject({ state: 'waiting', waitingForLane: true });
    await h.advance(M);
    await h.signal('laneTurn');
    expect(attemptTimes()).toEqual([M]);
    await h.runToEnd();
    expect(attemptTimes()).toEqual([M, M + H]);
  });

  it('cancel during the wait ends it cancelled with no attempt, and it leaves its lane', async () => {
    const { finishDelivery, leaveLane, attemptDelivery } = setUp([delivered]);
    await h.start(deliverWebhook, input({ lane }));
    await h.signal('cancel');
    expect(h.result()).toBe('cancelled');
    expect(attemptDelivery).not.toHaveBeenCalled();
    expect(finishDelivery).toHaveBeenCalledExactlyOnceWith(cancelledByRequest(1));
    expect(calls()).toEqual(['joinLane', 'finishDelivery', 'leaveLane']);
    expect(leaveLane).toHaveBeenCalledExactlyOnceWith({ lane, deliveryId: 'dlv_1' });
    expect(h.query('status')).toMatchObject({ state: 'cancelled', waitingForLane: false, attempts: 0 });
  });

  it('cancel during the delay ends it before it joins; it still tells the lane it left', async () => {
    const { joinLane, leaveLane, attemptDelivery } = setUp([delivered]);
    await h.start(deliverWebhook, input({ lane, delayMs: H }));
    await h.signal('cancel');
    expect(h.result()).toBe('cancelled');
    expect(joinLane).not.toHaveBeenCalled();
    expect(attemptDelivery).not.toHaveBeenCalled();
    expect(leaveLane).toHaveBeenCalledExactlyOnceWith({ lane, deliveryId: 'dlv_1' });
  });

  it.each([
    ['delivered', [failed(fixed(10)), delivered], 'delivered'],
    ['failed for good', [failed(fixed(10, 2))], 'failed'],
    ['refused before sending (stopped: webhook_disabled)', [stopped('webhook_disabled')], 'failed'],
    ['stopped after sending (gone)', [stopped('gone')], 'failed'],
  ] as const)('leaves its lane exactly once, last, when %s', async (_name, results, state) => {
    const { leaveLane } = setUp([...results]);
    await h.start(deliverWebhook, input({ lane }));
    await h.signal('laneTurn');
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: state });
    expect(leaveLane).toHaveBeenCalledExactlyOnceWith({ lane, deliveryId: 'dlv_1' });
    expect(calls().at(-1)).toBe('leaveLane');
    expect(calls()[0]).toBe('joinLane');
  });

  it.each([
    ['delivered', [delivered], undefined],
    ['failed for good', [failed(fixed(10, 2))], undefined],
    ['cancelled in a countdown', [failed(fixed(3600))], 'cancel'],
  ] as const)(
    'a delivery without a lane neither joins nor leaves one: %s',
    async (_name, results, signal) => {
      const { joinLane, leaveLane } = setUp([...results]);
      await h.start(deliverWebhook, input());
      if (signal) await h.signal(signal);
      await h.runToEnd();
      expect(joinLane).not.toHaveBeenCalled();
      expect(leaveLane).not.toHaveBeenCalled();
      expect(h.query('status')).not.toHaveProperty('waitingForLane');
    },
  );
});
