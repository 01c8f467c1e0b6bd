import type { WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countActions, eventTypeName } from '../../bench/lib/temporalActions';
import type { Db } from '../../src/db/knex';
import { signalWithStartWorkflow, startWorkflow } from '../../src/temporal/workflowStart';
import {
  cancelSignal,
  deliverWebhookStart,
  retryNowSignal,
  statusQuery,
  type DeliverInput,
} from '../../src/workflows/webhooks/contract';
import { createTestDb, type TestDb } from '../support/db';
import { insertAccount, insertDelivery, insertWebhook, type WebhookFixture } from '../support/fixtures';
import { Receiver } from '../support/receiver';
import { timeSkippingEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { createTestWorker, type TestWorker } from '../support/worker';

const S = 1000;
const M = 60 * S;
const H = 60 * M;

let env: TestWorkflowEnvironment;
let tdb: TestDb;
let db: Db;
let receiver: Receiver;
let tw: TestWorker;
let accountId: string;

beforeAll(async () => {
  env = await timeSkippingEnv();
  tdb = await createTestDb('pglite');
  db = tdb.db;
  receiver = await Receiver.start();
  tw = await createTestWorker(env, db);
  accountId = await insertAccount(db);
});
afterAll(async () => {
  await receiver?.close();
  await tdb?.destroy();
  await env?.teardown();
});

async function deliver(webhook: Partial<WebhookFixture>, input: Partial<DeliverInput> = {}) {
  const webhookId = await insertWebhook(db, tw.secrets, accountId, { target_url: receiver.url, ...webhook });
  const { deliveryId, workflowId, eventId } = await insertDelivery(db, accountId, webhookId);
  const args: DeliverInput = {
    deliveryId,
    delayMs: null,
    cycle: 1,
    firstAttemptNumber: 1,
    test: false,
    ...input,
  };
  // As the event's fan-out starts it (the time-skipping server has no search attributes).
  const start = deliverWebhookStart({
    input: args,
    workflowId,
    accountId,
    eventId,
    eventType: 'package.created',
    goodsOwnerId: null,
    webhookId,
    starter: { by: 'fanOut', eager: false },
    searchAttributes: false,
    taskQueue: tw.taskQueue,
  });
  const handle = await startWorkflow(env.client, start);
  /** A signal as the deliveries service sends it: with start, which also ends a start delay. */
  const signalWithStart = (signal: typeof cancelSignal | typeof retryNowSignal) =>
    signalWithStartWorkflow(env.client, start, signal, []);
  return { handle, deliveryId, webhookId, signalWithStart };
}

/**
 * Attempt start times in whole seconds after the first attempt. A countdown starts when the
 * previous attempt has finished, so each gap also holds that attempt's duration (subtracted here)
 * and a workflow task's turnaround (milliseconds, more on a loaded machine). Flooring the rest
 * asserts "not before the countdown, and within the second after it".
 */
async function attemptOffsets(deliveryId: string): Promise<number[]> {
  const rows = await db('delivery_attempts').where({ delivery_id: deliveryId }).orderBy('number');
  const starts = rows.map((r) => new Date(r.started_at).getTime());
  const offsets = [0];
  for (let i = 1; i < starts.length; i++) {
    const gap = (starts[i] as number) - (starts[i - 1] as number) - (rows[i - 1].duration_ms as number);
    offsets.push((offsets[i - 1] as number) + Math.floor(gap / S));
  }
  return offsets;
}

const failing = () => {
  receiver.responder = (_req, res) => {
    res.writeHead(500).end('nope');
  };
};

describe('deliverWebhook attempt times under time skipping', () => {
  it.each([
    ['fixed 30 s, 4 attempts', { choice: 'fixed', kwargs: { seconds: 30 } }, 4, [0, 30, 60, 90]],
    ['linear base 10 without limit', { choice: 'linear', kwargs: { base: 10 } }, 4, [0, 10, 30, 60]],
    [
      'linear base 10 with limit 25',
      { choice: 'linear', kwargs: { base: 10, limit: 25 } },
      5,
      [0, 10, 30, 55, 80],
    ],
    [
      'exponential base 2, factor 3, limit 50',
      { choice: 'exponential', kwargs: { base: 2, factor: 3, limit: 50 } },
      6,
      [0, 6, 18, 42, 90, 140],
    ],
    ['max_attempts 1', { choice: 'fixed', kwargs: { seconds: 5 } }, 1, [0]],
  ])('countdown %s', async (_name, config, maxAttempts, expected) => {
    failing();
    const { handle, deliveryId } = await deliver({
      retry_policy: 'countdown',
      retry_countdown_config: config,
      max_attempts: maxAttempts,
    });
    await tw.runUntil(handle.result());
    expect(await handle.result()).toBe('failed');
    expect(await attemptOffsets(deliveryId)).toEqual(expected);
    const row = await db('deliveries').where({ id: deliveryId }).first();
    expect(row).toMatchObject({ status: 'failed', attempt_count: expected.length, last_error: 'HTTP 500' });
  });

  it('random countdowns stay within [min_value, max_value]', async () => {
    failing();
    const { handle, deliveryId } = await deliver({
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'random', kwargs: { min_value: 5, max_value: 9 } },
      max_attempts: 8,
    });
    await tw.runUntil(handle.result());
    const offsets = await attemptOffsets(deliveryId);
    expect(offsets).toHaveLength(8);
    const gaps = offsets.slice(1).map((t, i) => t - (offsets[i] as number));
    for (const gap of gaps) {
      expect(gap).toBeGreaterThanOrEqual(5);
      expect(gap).toBeLessThanOrEqual(9);
    }
    expect(new Set(gaps).size).toBeGreaterThan(1);
  });

  it('one_day retries after 1 m, 5 m, 15 m, 30 m, then every 2 h within 24 h of the first attempt', async () => {
    failing();
    const { handle, deliveryId } = await deliver({ retry_policy: 'one_day' });
    await tw.runUntil(handle.result());
    const expected = [0, 1 * M, 6 * M, 21 * M, 51 * M];
    while ((expected.at(-1) as number) + 2 * H <= 24 * H) expected.push((expected.at(-1) as number) + 2 * H);
    expect(await attemptOffsets(deliveryId)).toEqual(expected.map((ms) => ms / S));
    expect(expected.at(-1)).toBe(22 * H + 51 * M);
  });

  it('none makes a single attempt', async () => {
    failing();
    const { handle, deliveryId } = await deliver({ retry_policy: 'none' });
    await tw.runUntil(handle.result());
    expect(await attemptOffsets(deliveryId)).toEqual([0]);
  });

  it('waits out the delay before the first attempt', async () => {
    receiver.responder = (_req, res) => {
      res.writeHead(204).end();
    };
    const before = await env.currentTimeMs();
    const { handle, deliveryId } = await deliver({ retry_policy: 'none', delay: '5m' }, { delayMs: 5 * M });
    await tw.runUntil(handle.result());
    expect(await handle.result()).toBe('delivered');
    const [attempt] = await db('delivery_attempts').where({ delivery_id: deliveryId });
    const waited = new Date(attempt.started_at).getTime() - before;
    expect(waited).toBeGreaterThanOrEqual(5 * M);
    expect(waited).toBeLessThan(5 * M + 5 * S);
    expect(await db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'delivered',
      attempt_count: 1,
    });
  });

  it('a Retry-After answer raises the next countdown', async () => {
    let calls = 0;
    receiver.responder = (_req, res) => {
      calls += 1;
      if (calls === 1) res.writeHead(503, { 'retry-after': '120' }).end();
      else res.writeHead(200).end();
    };
    const { handle, deliveryId } = await deliver({
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 10 } },
      max_attempts: 3,
    });
    await tw.runUntil(handle.result());
    expect(await attemptOffsets(deliveryId)).toEqual([0, 120]);
  });

  it('cancel while sleeping ends the delivery with no further attempt', async () => {
    failing();
    const { handle, deliveryId } = await deliver({
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 3600 } },
      max_attempts: 5,
    });
    await tw.runUntil(async () => {
      await waitForRow(deliveryId, (r) => r.next_attempt_at !== null);
      await handle.signal(cancelSignal);
      expect(await handle.result()).toBe('cancelled');
    });
    expect(await attemptOffsets(deliveryId)).toEqual([0]);
    expect(await db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'cancelled',
      next_attempt_at: null,
    });
  });

  it('retry-now while sleeping attempts at once instead of after the countdown', async () => {
    let calls = 0;
    receiver.responder = (_req, res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 500 : 200).end();
    };
    const { handle, deliveryId } = await deliver({
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 3600 } },
      max_attempts: 5,
    });
    await tw.runUntil(async () => {
      await waitForRow(deliveryId, (r) => r.next_attempt_at !== null);
      await handle.signal(retryNowSignal);
      expect(await handle.result()).toBe('delivered');
    });
    const offsets = await attemptOffsets(deliveryId);
    expect(offsets).toHaveLength(2);
    expect(offsets[1]).toBeLessThan(60);
  });
});

describe('deliverWebhook with delays it cannot or may sleep on', () => {
  const D = 24 * H;

  // A legacy row: the API refuses delays beyond 366d now, but rows stored before it did remain, and
  // 104249991d made every workflow task fail with "RangeError: Invalid time value", for ever.
  it('fails a delivery whose delay is absurd, with the reason, instead of sticking', async () => {
    const { handle, deliveryId } = await deliver(
      { retry_policy: 'none', delay: '104249991d' },
      { delayMs: 104_249_991 * D },
    );
    expect(await tw.runUntil(handle.result())).toBe('failed');
    expect(await db('delivery_attempts').where({ delivery_id: deliveryId })).toEqual([]);
    const row = await db('deliveries').where({ id: deliveryId }).first();
    expect(row).toMatchObject({ status: 'failed', next_attempt_at: null });
    expect(row.last_error).toMatch(/cannot carry out this delivery: its delay/);
  }, 30_000);

  it('cancel ends a delivery sleeping in a 366-day delay, with no attempt', async () => {
    const { handle, deliveryId, signalWithStart } = await deliver(
      { retry_policy: 'none', delay: '366d' },
      { delayMs: 366 * D },
    );
    await tw.runUntil(async () => {
      // The delay is the start's: until it ends, no workflow task runs and the status query has
      // nothing to answer it. Only waiting on the result skips time, so the signal comes first.
      await expect(handle.query(statusQuery)).rejects.toThrow();
      await signalWithStart(cancelSignal);
      expect(await handle.result()).toBe('cancelled');
    });
    expect(await db('delivery_attempts').where({ delivery_id: deliveryId })).toEqual([]);
    expect(await db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'cancelled',
      next_attempt_at: null,
    });
  });
});

describe('a webhook delay is the start’s delay (startDelay), with no timer in the workflow', () => {
  const ok = () => {
    receiver.responder = (_req, res) => {
      res.writeHead(200).end();
    };
  };
  const historyOf = async (handle: WorkflowHandle) => (await handle.fetchHistory()).events ?? [];

  it('a delayed first-attempt success: the first task waits out the delay; 6 events and 2 actions', async () => {
    ok();
    const before = await env.currentTimeMs();
    const { handle, deliveryId } = await deliver({ retry_policy: 'none', delay: '5m' }, { delayMs: 5 * M });
    expect(await tw.runUntil(handle.result())).toBe('delivered');
    const events = await historyOf(handle);
    expect(events.map(eventTypeName)).toEqual([
      'workflowExecutionStarted',
      'workflowTaskScheduled',
      'workflowTaskStarted',
      'workflowTaskCompleted',
      'markerRecorded',
      'workflowExecutionCompleted',
    ]);
    const started = events[0]?.workflowExecutionStartedEventAttributes;
    expect(Number(started?.firstWorkflowTaskBackoff?.seconds)).toBe(300);
    expect(started?.input?.payloads).toHaveLength(1);
    expect(countActions(events).total).toBe(2);
    const [attempt] = await db('delivery_attempts').where({ delivery_id: deliveryId });
    expect(new Date(attempt.started_at).getTime() - before).toBeGreaterThanOrEqual(5 * M);
  });

  it('cancel during the delay starts the run early, which ends cancelled without attempting', async () => {
    const { handle, deliveryId, signalWithStart } = await deliver(
      { retry_policy: 'none', delay: '1h' },
      { delayMs: H },
    );
    const sent = receiver.requests.length;
    await tw.runUntil(async () => {
      await signalWithStart(cancelSignal);
      expect(await handle.result()).toBe('cancelled');
    });
    expect(receiver.requests.length).toBe(sent);
    expect(await db('delivery_attempts').where({ delivery_id: deliveryId })).toEqual([]);
    expect(await db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'cancelled',
      next_attempt_at: null,
    });
    const types = (await historyOf(handle)).map(eventTypeName);
    expect(types).not.toContain('timerStarted');
    // The signal arrived before the first workflow task, which it brought forward.
    expect(types.slice(0, 3)).toEqual([
      'workflowExecutionStarted',
      'workflowExecutionSignaled',
      'workflowTaskScheduled',
    ]);
  });

  it('retryNow during the delay attempts at once; a failure then waits its countdown', async () => {
    let calls = 0;
    receiver.responder = (_req, res) => {
      calls += 1;
      res.writeHead(calls === 1 ? 500 : 200).end();
    };
    const before = await env.currentTimeMs();
    const { handle, deliveryId, signalWithStart } = await deliver(
      {
        retry_policy: 'countdown',
        retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 30 } },
        max_attempts: 2,
        delay: '1h',
      },
      { delayMs: H },
    );
    await tw.runUntil(async () => {
      await signalWithStart(retryNowSignal);
      expect(await handle.result()).toBe('delivered');
    });
    const [first] = await db('delivery_attempts').where({ delivery_id: deliveryId }).orderBy('number');
    expect(new Date(first.started_at).getTime() - before).toBeLessThan(M);
    expect(await attemptOffsets(deliveryId)).toEqual([0, 30]);
    const types = (await historyOf(handle)).map(eventTypeName);
    // One timer: the countdown after the failed attempt, none for the delay.
    expect(types.filter((t) => t === 'timerStarted')).toHaveLength(1);
    expect(types.slice(0, 3)).toEqual([
      'workflowExecutionStarted',
      'workflowExecutionSignaled',
      'workflowTaskScheduled',
    ]);
  });
});

/** Polls the delivery row (real time) until `pred` holds. */
async function waitForRow(
  deliveryId: string,
  pred: (row: Record<string, unknown>) => boolean,
): Promise<void> {
  await waitUntil(
    `delivery row ${deliveryId} reaches the expected state`,
    () => db('deliveries').where({ id: deliveryId }).first() as Promise<Record<string, unknown> | undefined>,
    (row) => row !== undefined && pred(row),
    { timeoutMs: 10_000 },
  );
}
