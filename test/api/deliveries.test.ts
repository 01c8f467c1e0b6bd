import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { statusQuery, webhookWorkflowIds } from '../../src/workflows/webhooks/contract';
import type { TestApp } from '../support/app';
import { testDatabaseKinds, type TestDb } from '../support/db';
import type { Receiver } from '../support/receiver';
import { createActivities, type Activities } from '../../src/activities';
import { insertDelivery } from '../support/fixtures';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';
import type { RecordingMailer } from '../support/worker';

describe.each(testDatabaseKinds())('operating deliveries on %s', (kind) => {
  let env: TestWorkflowEnvironment;
  let tdb: TestDb;
  let app: TestApp;
  let receiver: Receiver;
  let mailer: RecordingMailer;
  let activities: Activities;
  let stack: DeliveryStack;
  let key: string;
  let status = 200;

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, {
      secret: 'deliveries-test-secret',
      respond: (_req, res) => {
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
      },
    });
    ({ env, tdb, receiver, app } = stack);
    mailer = stack.worker.mailer;
    activities = createActivities(stack.worker.deps);
  });
  beforeEach(async () => {
    status = 200;
    receiver.requests.length = 0;
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'ops' } })).body.api_key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const hook = async (body: Record<string, unknown> = {}) =>
    (
      await app.call('POST', '/v1/webhooks', {
        key,
        body: { event_type: '*', target_url: receiver.url, ...body },
      })
    ).body.id as string;
  const post = async (type = 'package.created') =>
    (await app.call('POST', '/v1/events', { key, body: { type, payload: { n: 1 } } })).body.id as string;
  const deliveryFor = async (eventId: string) =>
    waitUntil(
      `event ${eventId} has a delivery`,
      async () => (await app.call('GET', `/v1/deliveries?event_id=${eventId}`, { key })).body.data[0],
      { timeoutMs: 10_000 },
    );
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answer, read freely
  const until = async (id: string, pred: (d: any) => boolean) =>
    waitUntil(
      `delivery ${id} reaches the state`,
      async () => (await app.call('GET', `/v1/deliveries/${id}`, { key })).body,
      pred,
    );

  /** The attempt log and what the receiver got after one failed attempt and a successful retry. */
  const expectFailedThenDelivered = async (id: string) => {
    const done = await until(id, (x) => x.status === 'delivered');
    expect(
      done.attempts.map((a: { number: number; status_code: number }) => [a.number, a.status_code]),
    ).toEqual([
      [1, 500],
      [2, 200],
    ]);
    expect(receiver.requests.map((r) => r.headers['x-switchyard-attempt'])).toEqual(['1', '2']);
  };

  it('test?wait=true delivers a webhook.test event once and answers with the finished delivery', async () => {
    const id = await hook({ event_type: 'package.created', delay: '1h', retry_policy: 'one_day' });
    const res = await app.call('POST', `/v1/webhooks/${id}/test?wait=true`, { key });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      webhook_id: id,
      status: 'delivered',
      attempts: [{ number: 1, status_code: 200 }],
    });
    expect(res.body.attempts[0].response_body).toBe('{"status":200}');
    expect(receiver.requests).toHaveLength(1);
    expect(JSON.parse(receiver.requests[0]!.body).event.type).toBe('webhook.test');
  });

  it('a failing test makes exactly one attempt; without wait it answers 202', async () => {
    status = 500;
    const id = await hook({ retry_policy: 'one_day' });
    const res = await app.call('POST', `/v1/webhooks/${id}/test`, { key });
    expect(res.status).toBe(202);
    const d = await until(res.body.delivery_id, (x) => x.status !== 'pending');
    expect(d).toMatchObject({
      status: 'failed',
      attempts: [{ number: 1, status_code: 500, error: 'HTTP 500' }],
    });
    expect(receiver.requests).toHaveLength(1);
  });

  it('cancel stops a pending delivery; cancelling again is 409', async () => {
    const id = await hook({ delay: '1h' });
    const d = await deliveryFor(await post());
    expect(d.status).toBe('pending');
    expect((await app.call('POST', `/v1/deliveries/${d.id}/cancel`, { key })).status).toBe(202);
    const done = await until(d.id, (x) => x.status === 'cancelled');
    expect(done.attempts).toEqual([]);
    expect(done.finished_at).not.toBeNull();
    expect((await app.call('POST', `/v1/deliveries/${d.id}/cancel`, { key })).status).toBe(409);
    expect(receiver.requests).toHaveLength(0);
    expect(id).toBeTruthy();
  });

  it('retry makes a delayed delivery attempt now', async () => {
    await hook({ delay: '1h' });
    const d = await deliveryFor(await post());
    expect((await app.call('POST', `/v1/deliveries/${d.id}/retry`, { key })).status).toBe(202);
    const done = await until(d.id, (x) => x.status === 'delivered');
    expect(done.attempts).toHaveLength(1);
  });

  it('retry sends a failed delivery again as a new cycle whose attempts continue the log', async () => {
    status = 500;
    await hook({ retry_policy: 'none' });
    const d = await deliveryFor(await post());
    await until(d.id, (x) => x.status === 'failed');
    status = 200;
    expect((await app.call('POST', `/v1/deliveries/${d.id}/retry`, { key })).status).toBe(202);
    await expectFailedThenDelivered(d.id);
    expect(new Set(receiver.requests.map((r) => r.headers['webhook-id'])).size).toBe(1);
  });

  it('retry of a delivery recorded but not yet started attempts it now; the fan-out then starts nothing', async () => {
    const webhookId = await hook({ delay: '1h' });
    const accountId = (await app.call('GET', '/v1/account', { key })).body.id as string;
    // The fan-out's first step (planDeliveries) has run; its second (startDeliveries) has not.
    const { eventId, deliveryId, workflowId } = await insertDelivery(tdb.db, accountId, webhookId);
    expect((await app.call('POST', `/v1/deliveries/${deliveryId}/retry`, { key })).status).toBe(202);
    const done = await until(deliveryId, (x) => x.status === 'delivered');
    expect(done.attempts.map((a: { number: number }) => a.number)).toEqual([1]);
    // The event's first sending, not a resend: no new cycle was opened for it.
    expect(await tdb.db('deliveries').where({ id: deliveryId }).first('cycle')).toEqual({ cycle: 1 });

    const late = await activities.startDeliveries({
      accountId,
      eventId,
      eventType: 'package.created',
      goodsOwnerId: null,
      deliveries: [{ deliveryId, webhookId, workflowId, delayMs: 3_600_000 }],
      searchAttributes: false,
    });
    expect(late).toEqual({ started: 0, existing: 1 });
    expect(receiver.requests).toHaveLength(1);
  });

  it('retry of a pending delivery whose run was terminated starts a run that continues the attempt log', async () => {
    status = 500;
    await hook({ retry_policy: 'one_day' });
    const d = await deliveryFor(await post());
    await until(d.id, (x) => x.attempts.length === 1 && x.next_attempt_at !== null);
    await env.client.workflow.getHandle(d.workflow_id).terminate('operator');
    status = 200;
    expect((await app.call('POST', `/v1/deliveries/${d.id}/retry`, { key })).status).toBe(202);
    await expectFailedThenDelivered(d.id);
  });

  it('recover resends every failed delivery since a time', async () => {
    status = 500;
    const id = await hook({ retry_policy: 'none' });
    const since = new Date().toISOString();
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await deliveryFor(await post())).id);
    for (const d of ids) await until(d, (x) => x.status === 'failed');
    status = 200;
    const res = await app.call('POST', `/v1/webhooks/${id}/recover`, { key, body: { since } });
    expect(res).toMatchObject({ status: 202, body: { count: 3 } });
    for (const d of ids) await until(d, (x) => x.status === 'delivered');
    const none = await app.call('POST', `/v1/webhooks/${id}/recover`, { key, body: { since } });
    expect(none.body.count).toBe(0);
    expect(
      (await app.call('POST', `/v1/webhooks/${id}/recover`, { key, body: { since: 'last week' } })).status,
    ).toBe(422);
  });

  it('a 410 Gone answer disables the webhook at once and tells notify_email', async () => {
    status = 410;
    const id = await hook({ retry_policy: 'one_day', notify_email: 'ops@example.com' });
    const d = await deliveryFor(await post());
    const done = await until(d.id, (x) => x.status === 'failed');
    expect(done.attempts).toHaveLength(1);
    const webhook = (await app.call('GET', `/v1/webhooks/${id}`, { key })).body;
    expect(webhook).toMatchObject({ enabled: false, disabled_reason: 'the target answered 410 Gone' });
    const notes = await tdb.db('notifications').where({ webhook_id: id }).orderBy('kind');
    expect(notes.map((n) => [n.kind, n.to, n.status])).toEqual([
      ['delivery_failed', 'ops@example.com', 'recorded'],
      ['webhook_disabled', 'ops@example.com', 'recorded'],
    ]);
    expect(mailer.sent.filter((m) => m.to === 'ops@example.com').map((m) => m.subject)).toEqual(
      expect.arrayContaining([expect.stringContaining('was disabled'), expect.stringContaining('failed')]),
    );
    // disabled: nothing new is delivered, and test / retry answer 409
    const next = await post();
    // No webhook matches: the API dispatched the event before answering, with no workflow at all.
    const { account_id, dispatched_at } = await tdb.db('events').where({ id: next }).first();
    expect(dispatched_at).not.toBeNull();
    await expect(
      env.client.workflow.getHandle(webhookWorkflowIds.dispatch(account_id, next)).describe(),
    ).rejects.toThrow(/not found/i);
    expect((await app.call('GET', `/v1/events/${next}`, { key })).body.deliveries).toEqual([]);
    expect((await app.call('POST', `/v1/webhooks/${id}/test`, { key })).status).toBe(409);
  });

  it('a webhook whose deliveries have all failed for five days is disabled', async () => {
    status = 500;
    const id = await hook({ retry_policy: 'none', notify_email: 'ops@example.com' });
    // The first failure was six days ago and nothing has succeeded since.
    await tdb
      .db('webhooks')
      .where({ id })
      .update({ failing_since: new Date(Date.now() - 6 * 24 * 3600_000) });
    const d = await deliveryFor(await post());
    await until(d.id, (x) => x.status === 'failed');
    const webhook = (await app.call('GET', `/v1/webhooks/${id}`, { key })).body;
    expect(webhook).toMatchObject({
      enabled: false,
      disabled_reason: 'every delivery failed for 5 days with no success',
    });
  });

  it('a success resets the five-day clock', async () => {
    const id = await hook({ retry_policy: 'none' });
    await tdb
      .db('webhooks')
      .where({ id })
      .update({ failing_since: new Date(Date.now() - 4 * 24 * 3600_000) });
    await until((await deliveryFor(await post())).id, (x) => x.status === 'delivered');
    expect((await tdb.db('webhooks').where({ id }).first()).failing_since).toBeNull();
  });

  it('a webhook disabled while a delivery sleeps gets no further attempts', async () => {
    status = 500;
    const id = await hook({
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 2 } },
      max_attempts: 10,
    });
    const d = await deliveryFor(await post());
    await until(d.id, (x) => x.attempts.length >= 1);
    await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { enabled: false } });
    const done = await until(d.id, (x) => x.status === 'failed');
    expect(done.last_error).toBe('webhook disabled');
    const count = receiver.requests.length;
    // The delivery's workflow has ended (any countdown left is skipped): no attempt can follow.
    const handle = env.client.workflow.getHandle(d.workflow_id);
    expect(await handle.result()).toBe('failed');
    expect(await handle.query(statusQuery)).toMatchObject({
      state: 'failed',
      nextAttemptAt: null,
      lastError: 'webhook disabled',
    });
    expect(receiver.requests.length).toBe(count);
    expect(count).toBeLessThanOrEqual(2);
  });

  it("answers 404 for another account's delivery", async () => {
    await hook();
    const d = await deliveryFor(await post());
    const other = (await app.call('POST', '/v1/accounts', { body: { name: 'x' } })).body.api_key;
    for (const [method, path] of [
      ['GET', `/v1/deliveries/${d.id}`],
      ['POST', `/v1/deliveries/${d.id}/retry`],
      ['POST', `/v1/deliveries/${d.id}/cancel`],
    ] as const) {
      expect((await app.call(method, path, { key: other })).status).toBe(404);
    }
  });
});
