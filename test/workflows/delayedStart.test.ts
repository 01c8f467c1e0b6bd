// A webhook's `delay` as the delivery start's startDelay (deliverWebhookStart), on a real Temporal
// dev server: the fan-out's start path (the delivery planner), the deliveries service's cancel and
// retry, and the server's own rule that only a signal-with-start ends a start delay (the
// time-skipping test server lets any signal end it, so these cases run here).
import { Client, type WorkflowHandle } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countActions, eventTypeName } from '../../bench/lib/temporalActions';
import { createDeliveriesService, type DeliveriesService } from '../../src/services/deliveries';
import type { ServiceDeps } from '../../src/services/deps';
import { createWebhooksService } from '../../src/services/webhooks';
import { createDeliveryPlanner } from '../../src/webhooks/plan';
import { cancelSignal } from '../../src/workflows/webhooks/contract';
import { durationMs } from '../../src/rules/duration';
import { createTestDb, type TestDb } from '../support/db';
import { insertAccount, insertDelivery, insertWebhook } from '../support/fixtures';
import { Receiver } from '../support/receiver';
import { devServerEnv, type DevEnv } from '../support/temporal';
import { createTestWorker, type TestWorker } from '../support/worker';

let dev: DevEnv;
let tdb: TestDb;
let receiver: Receiver;
let tw: TestWorker;
let stopWorker: () => Promise<void>;
let deliveries: DeliveriesService;
let accountId: string;

beforeAll(async () => {
  dev = await devServerEnv();
  tdb = await createTestDb('pglite');
  receiver = await Receiver.start();
  tw = await createTestWorker(
    { client: dev.client, nativeConnection: dev.nativeConnection } as never,
    tdb.db,
    {
      timeSkipping: false,
    },
  );
  stopWorker = await tw.start();
  const deps = { ...tw.deps, temporal: dev.client, searchAttributes: false } as unknown as ServiceDeps;
  deliveries = createDeliveriesService(deps, createWebhooksService(deps));
  accountId = await insertAccount(tdb.db);
});
afterAll(async () => {
  await stopWorker?.();
  await receiver?.close();
  await tdb?.destroy();
  await dev?.stop();
});

/** A delivery to a webhook with `delay`, started as the fan-out starts it (eagerly, on a worker's connection). */
async function delayed(delay: string) {
  const webhookId = await insertWebhook(tdb.db, tw.secrets, accountId, {
    target_url: receiver.url,
    retry_policy: 'none',
    delay,
  });
  const { eventId, deliveryId, workflowId } = await insertDelivery(tdb.db, accountId, webhookId);
  const eager = new Client({ connection: dev.nativeConnection as never });
  const planner = createDeliveryPlanner({ db: tdb.db, temporal: eager, searchAttributes: false });
  const plan = {
    accountId,
    eventId,
    eventType: 'package.created',
    goodsOwnerId: null,
    deliveries: [{ deliveryId, webhookId, workflowId, delayMs: durationMs(delay) }],
    searchAttributes: false,
  };
  expect(await planner.start(plan, { taskQueue: tw.taskQueue, eager: true })).toEqual({
    started: 1,
    existing: 0,
  });
  const handle = dev.client.workflow.getHandle(workflowId);
  return { handle, deliveryId, sent: () => receiver.requests.filter((r) => r.headers['webhook-id']) };
}

const typesOf = async (handle: WorkflowHandle) =>
  ((await handle.fetchHistory()).events ?? []).map(eventTypeName);
const within = <T>(ms: number, p: Promise<T>) =>
  Promise.race([
    p,
    new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`not within ${ms} ms`)), ms)),
  ]);

describe('a webhook delay is the start’s delay, on a dev server', () => {
  it('a delayed first-attempt success: delivered after the delay, in 6 events and 2 actions, no timer', async () => {
    receiver.requests.length = 0;
    const t0 = Date.now();
    const { handle, deliveryId } = await delayed('2s');
    expect(await tdb.db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'pending',
      next_attempt_at: null,
    });
    expect(await handle.result()).toBe('delivered');
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000);
    const events = (await handle.fetchHistory()).events ?? [];
    expect(events.map(eventTypeName)).toEqual([
      'workflowExecutionStarted',
      'workflowTaskScheduled',
      'workflowTaskStarted',
      'workflowTaskCompleted',
      'markerRecorded',
      'workflowExecutionCompleted',
    ]);
    expect(
      Number(events[0]?.workflowExecutionStartedEventAttributes?.firstWorkflowTaskBackoff?.seconds),
    ).toBe(2);
    expect(countActions(events).total).toBe(2);
    expect(receiver.requests).toHaveLength(1);
  });

  it('a plain signal does not end a start delay: it is recorded, and the run stays held back', async () => {
    const { handle } = await delayed('1h');
    await handle.signal(cancelSignal);
    await new Promise((r) => setTimeout(r, 1500));
    expect(await typesOf(handle)).toEqual(['workflowExecutionStarted', 'workflowExecutionSignaled']);
    await expect(handle.query('status')).rejects.toThrow(/not scheduled yet|Failed to query/);
    await handle.terminate('test over');
  });

  it('cancel during the delay ends it at once: cancelled, nothing sent', async () => {
    receiver.requests.length = 0;
    const { handle, deliveryId } = await delayed('1h');
    await deliveries.cancel(accountId, deliveryId);
    expect(await within(10_000, handle.result())).toBe('cancelled');
    expect(receiver.requests).toHaveLength(0);
    expect(await tdb.db('delivery_attempts').where({ delivery_id: deliveryId })).toEqual([]);
    expect(await tdb.db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'cancelled',
      next_attempt_at: null,
    });
    expect(await typesOf(handle)).not.toContain('timerStarted');
  });

  it('retry during the delay attempts at once', async () => {
    receiver.requests.length = 0;
    const { handle, deliveryId } = await delayed('1h');
    await deliveries.retry(accountId, deliveryId);
    expect(await within(10_000, handle.result())).toBe('delivered');
    expect(receiver.requests).toHaveLength(1);
    expect(await tdb.db('deliveries').where({ id: deliveryId }).first()).toMatchObject({
      status: 'delivered',
      attempt_count: 1,
    });
    expect(await typesOf(handle)).not.toContain('timerStarted');
  });
});
