// Operational events (design.md, "Operational events"): Switchyard's own switchyard.* events,
// emitted once per cause in the cause's transaction and delivered like any event, over the real
// API, worker and a loopback receiver, under the time-skipping test server, on PGlite and PostgreSQL.
import type { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createActivities, type Activities } from '../../src/activities';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { createChannelsService, type CreateChannelInput } from '../../src/services/channels';
import type { ServiceDeps } from '../../src/services/deps';
import { createEventsService, STRANDED_AFTER_MS } from '../../src/services/events';
import { channelIds } from '../../src/workflows/channels/contract';
import type { TestApp } from '../support/app';
import { testDatabaseKinds, type TestDb } from '../support/db';
import { insertDelivery } from '../support/fixtures';
import type { Received, Receiver } from '../support/receiver';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';

const M = 60_000;
const JOB = 'orders.import';

/* eslint-disable @typescript-eslint/no-explicit-any -- JSON answers and rows, read freely */

describe.each(testDatabaseKinds())('operational events on %s', (kind) => {
  let env: TestWorkflowEnvironment;
  let tdb: TestDb;
  let app: TestApp;
  let receiver: Receiver;
  let stack: DeliveryStack;
  let activities: Activities;
  let key: string;
  let accountId: string;
  /** What each receiver path answers; unknown paths answer 200. */
  const answers: Record<string, number> = {};

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, {
      secret: 'operational-events-secret',
      respond: (req, res) => {
        const status = answers[req.path] ?? 200;
        res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ status }));
      },
    });
    ({ env, tdb, receiver, app } = stack);
    activities = createActivities(stack.worker.deps);
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    // Each scenario in its own account: earlier subscriptions cannot match its events.
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'ops' } })).body.api_key;
    accountId = (await app.call('GET', '/v1/account', { key })).body.id;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const hook = async (path: string, body: Record<string, unknown>) => {
    const res = await app.call('POST', '/v1/webhooks', {
      key,
      body: { target_url: `${receiver.url}${path}`, retry_policy: 'none', ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const post = async (id: string, type = 'package.created', extra: Record<string, unknown> = {}) => {
    const res = await app.call('POST', '/v1/events', {
      key,
      body: { id, type, payload: { n: 1 }, ...extra },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
  };
  const deliveryOf = (eventId: string, webhookId: string, pred: (d: any) => boolean) =>
    waitUntil(
      `the delivery of ${eventId} to ${webhookId} settles`,
      async () =>
        (await app.call('GET', `/v1/deliveries?event_id=${eventId}&webhook_id=${webhookId}`, { key })).body
          .data[0],
      (d) => d !== undefined && pred(d),
    );
  /** This account's operational events, as stored, oldest first. */
  const opEvents = async (): Promise<any[]> =>
    tdb.db('events').where({ account_id: accountId }).where('type', 'like', 'switchyard.%').orderBy('seq');
  /** Waits until the account has `n` operational events, each dispatched with its deliveries settled. */
  const settledOpEvents = async (n: number) => {
    const rows = await waitUntil(`${n} operational events dispatched`, opEvents, (rows) => {
      return rows.length === n && rows.every((r) => r.dispatched_at !== null);
    });
    for (const r of rows) {
      await waitUntil(
        `the deliveries of ${r.id} settle`,
        async () => (await app.call('GET', `/v1/events/${r.id}`, { key })).body,
        (e) => e.deliveries.every((d: { status: string }) => d.status !== 'pending'),
      );
    }
    return rows;
  };
  /** What the services a test drives directly are given (the app's own are out of reach). */
  const serviceDeps = (): ServiceDeps => ({
    db: tdb.db,
    temporal: env.client,
    config: app.config,
    logger: createLogger('silent'),
    metrics: createMetrics(),
    secrets: app.secrets,
    searchAttributes: false,
  });
  const at = (path: string) => receiver.requests.filter((r) => r.path === path);
  const envelope = (r: Received) => JSON.parse(r.body) as { event: any; payload: any };

  it('lists the switchyard group in GET /v1/event-types', async () => {
    const res = await app.call('GET', '/v1/event-types', { key });
    expect(res.status).toBe(200);
    expect(res.body.data.filter((t: { group: string }) => t.group === 'switchyard')).toEqual([
      { type: 'switchyard.delivery.failed', group: 'switchyard', description: expect.any(String) },
      { type: 'switchyard.webhook.disabled', group: 'switchyard', description: expect.any(String) },
      { type: 'switchyard.job_run.failed', group: 'switchyard', description: expect.any(String) },
      { type: 'switchyard.emergency_job.started', group: 'switchyard', description: expect.any(String) },
    ]);
  });

  it('refuses POST /v1/events of a switchyard type with 422 on `type`, storing nothing', async () => {
    for (const type of ['switchyard.delivery.failed', 'switchyard.job_run.failed']) {
      const res = await app.call('POST', '/v1/events', { key, body: { id: 'forged', type, payload: {} } });
      expect(res.status).toBe(422);
      expect(res.body.error.details).toEqual([
        { path: 'type', message: expect.stringContaining('emitted by Switchyard only') },
      ]);
    }
    expect((await app.call('GET', '/v1/events/forged', { key })).status).toBe(404);
    // ...and the document says so: the pattern of `type` leaves the group out.
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    const pattern = new RegExp(doc.components.schemas.CreateEvent.properties.type.pattern);
    expect(pattern.test('package.created')).toBe(true);
    expect(pattern.test('switchyard.delivery.failed')).toBe(false);
  });

  it('a delivery that fails for good emits one switchyard.delivery.failed, to switchyard.* but not to *', async () => {
    const ops = await hook('/ops', { event_type: 'switchyard.*' });
    const all = await hook('/all', { event_type: '*' });
    answers['/fail'] = 500;
    const failing = await hook('/fail', { event_type: 'package.*', notify_email: 'ops@example.com' });
    await post('pkg-1', 'package.created', { goods_owner_id: 'GO-1' });
    const failed = await deliveryOf('pkg-1', failing, (d) => d.status === 'failed');

    const [op] = await settledOpEvents(1);
    expect(op.id).toMatch(/^op_[0-9a-f]{32}$/);
    const got = (await app.call('GET', `/v1/events/${op.id}`, { key })).body;
    expect(got).toMatchObject({
      id: op.id,
      type: 'switchyard.delivery.failed',
      goods_owner_id: 'GO-1',
      message_id: expect.stringMatching(/^msg_/),
      payload: {
        delivery_id: failed.id,
        event_id: 'pkg-1',
        event_type: 'package.created',
        webhook_id: failing,
        attempts: 1,
        last_error: 'HTTP 500',
      },
      // To the switchyard.* webhook only: not to `*`, not to the failing package.* webhook.
      deliveries: [{ webhook_id: ops, status: 'delivered' }],
    });
    expect(at('/ops')).toHaveLength(1);
    const sent = envelope(at('/ops')[0]!);
    expect(at('/ops')[0]!.headers['x-switchyard-event']).toBe('switchyard.delivery.failed');
    expect(sent.event).toMatchObject({
      type: 'switchyard.delivery.failed',
      uuid: op.id,
      goods_owner_id: 'GO-1',
    });
    expect(sent.payload).toEqual(got.payload);
    await deliveryOf('pkg-1', all, (d) => d.status === 'delivered');
    expect(at('/all').map((r) => r.headers['x-switchyard-event'])).toEqual(['package.created']);

    // An ordinary event of the account: listed, filterable by type.
    const listed = (await app.call('GET', '/v1/events?type=switchyard.delivery.failed', { key })).body;
    expect(listed.data.map((e: { id: string }) => e.id)).toEqual([op.id]);
    // The email notice is unchanged.
    const notes = await tdb.db('notifications').where({ webhook_id: failing });
    expect(notes.map((n) => n.kind)).toEqual(['delivery_failed']);
  });

  it('a 410 Gone answer emits one switchyard.delivery.failed and one switchyard.webhook.disabled', async () => {
    await hook('/ops', { event_type: 'switchyard.*' });
    answers['/gone'] = 410;
    const gone = await hook('/gone', { event_type: 'package.*', retry_policy: 'one_day' });
    await post('pkg-gone');
    const failed = await deliveryOf('pkg-gone', gone, (d) => d.status === 'failed');
    const ops = await settledOpEvents(2);
    const byType = Object.fromEntries(ops.map((e) => [e.type, e]));
    expect(Object.keys(byType).sort()).toEqual(['switchyard.delivery.failed', 'switchyard.webhook.disabled']);
    expect(byType['switchyard.webhook.disabled'].payload).toEqual({
      webhook_id: gone,
      reason: 'the target answered 410 Gone',
    });
    expect(byType['switchyard.delivery.failed'].payload).toEqual({
      delivery_id: failed.id,
      event_id: 'pkg-gone',
      event_type: 'package.created',
      webhook_id: gone,
      attempts: 1,
      last_error: 'the target answered 410 Gone',
    });
    const received = at('/ops').map((r) => [r.headers['x-switchyard-event'], envelope(r).event.uuid]);
    expect(received.sort()).toEqual(
      [
        ['switchyard.delivery.failed', byType['switchyard.delivery.failed'].id],
        ['switchyard.webhook.disabled', byType['switchyard.webhook.disabled'].id],
      ].sort(),
    );
    expect((await app.call('GET', `/v1/webhooks/${gone}`, { key })).body.enabled).toBe(false);
  });

  it('no loop: a failing switchyard.* webhook emits nothing for its own failures, nor when a 410 disables it', async () => {
    answers['/ops-fail'] = 500;
    const ops = await hook('/ops-fail', { event_type: 'switchyard.*', notify_email: 'ops@example.com' });
    answers['/fail'] = 500;
    const failing = await hook('/fail', { event_type: 'package.*' });
    await post('pkg-loop');
    await deliveryOf('pkg-loop', failing, (d) => d.status === 'failed');
    const [op] = await waitUntil('one operational event', opEvents, (rows) => rows.length === 1);
    // The operational delivery failed for good: whatever it emitted would be committed with it.
    await deliveryOf(op.id, ops, (d) => d.status === 'failed');
    expect((await opEvents()).map((e) => e.type)).toEqual(['switchyard.delivery.failed']);
    // Its owner is still mailed, as before.
    const notes = await tdb.db('notifications').where({ webhook_id: ops });
    expect(notes.map((n) => n.kind)).toEqual(['delivery_failed']);

    // A 410 to an operational delivery disables the webhook, and still emits nothing operational.
    answers['/ops-gone'] = 410;
    const gone = await hook('/ops-gone', {
      event_type: 'switchyard.delivery.failed',
      notify_email: 'o@example.com',
    });
    await post('pkg-loop-2');
    const [, second] = await waitUntil('a second operational event', opEvents, (rows) => rows.length === 2);
    await deliveryOf(second.id, gone, (d) => d.status === 'failed');
    expect((await app.call('GET', `/v1/webhooks/${gone}`, { key })).body).toMatchObject({
      enabled: false,
      disabled_reason: 'the target answered 410 Gone',
    });
    expect((await opEvents()).map((e) => e.type)).toEqual([
      'switchyard.delivery.failed',
      'switchyard.delivery.failed',
    ]);
    const goneNotes = await tdb.db('notifications').where({ webhook_id: gone }).orderBy('kind');
    expect(goneNotes.map((n) => n.kind)).toEqual(['delivery_failed', 'webhook_disabled']);
  });

  it('exactly once per cause: finishing the same failure again emits nothing; a resend that fails again emits anew', async () => {
    await hook('/ops', { event_type: 'switchyard.delivery.failed' });
    answers['/fail'] = 500;
    const failing = await hook('/fail', { event_type: 'package.*' });
    await post('pkg-once');
    const failed = await deliveryOf('pkg-once', failing, (d) => d.status === 'failed');
    const [first] = await settledOpEvents(1);

    // The activity retried (or its workflow task replayed) for the same cycle: one event still.
    for (let i = 0; i < 2; i++) {
      await activities.finishDelivery({
        deliveryId: failed.id,
        status: 'failed',
        cycle: 1,
        reason: 'HTTP 500',
      });
    }
    expect((await opEvents()).map((e) => e.id)).toEqual([first.id]);
    expect(at('/ops')).toHaveLength(1);

    // A resend is a new cycle: its failure is a new cause.
    expect((await app.call('POST', `/v1/deliveries/${failed.id}/retry`, { key })).status).toBe(202);
    await deliveryOf('pkg-once', failing, (d) => d.status === 'failed' && d.attempts.length === 2);
    const both = await settledOpEvents(2);
    expect(both[1].id).not.toBe(first.id);
    expect(both[1].payload).toMatchObject({ delivery_id: failed.id, attempts: 2 });
    expect(at('/ops')).toHaveLength(2);
  });

  it('an operational event whose dispatch failed after the commit is dispatched by the sweep', async () => {
    const ops = await hook('/ops', { event_type: 'switchyard.*' });
    const target = await hook('/unused', { event_type: 'order.*' });
    const { deliveryId } = await insertDelivery(tdb.db, accountId, target);
    // A worker whose Temporal connection fails after the commit (or that dies right there).
    const down = {
      connection: {},
      workflow: { start: () => Promise.reject(new Error('Temporal is down')) },
    } as unknown as Client;
    const cut = createActivities({ ...stack.worker.deps, temporal: down });
    await cut.finishDelivery({ deliveryId, status: 'failed', cycle: 1, reason: 'gave up' });
    const [op] = await opEvents();
    expect(op).toMatchObject({ type: 'switchyard.delivery.failed', dispatched_at: null });
    // The dispatch after the commit got as far as recording the delivery, then its start was refused.
    await waitUntil('the refused dispatch recorded the delivery', async () =>
      tdb.db('deliveries').where({ account_id: accountId, event_id: op.id, webhook_id: ops }).first(),
    );
    expect(at('/ops')).toHaveLength(0);

    const sweeper = createEventsService(serviceDeps());
    await tdb
      .db('events')
      .where({ account_id: accountId, id: op.id })
      .update({ created_at: new Date(Date.now() - STRANDED_AFTER_MS - 1000) });
    expect(await sweeper.redispatchStranded()).toBeGreaterThanOrEqual(1);
    const [done] = await settledOpEvents(1);
    expect(done.dispatched_at).not.toBeNull();
    expect(at('/ops').map((r) => envelope(r).event.uuid)).toEqual([op.id]);
    expect(envelope(at('/ops')[0]!).payload).toMatchObject({
      delivery_id: deliveryId,
      last_error: 'gave up',
    });
  });

  describe('channels', () => {
    const channels = () => createChannelsService(serviceDeps());
    const channel = async (extra: Partial<CreateChannelInput>) => {
      const { channel: ch, inboundToken } = await channels().create(accountId, {
        name: 'Marketplace',
        kind: 'sales',
        release: 'beta',
        mode: 'recurring',
        connector: { url: `${receiver.url}/connector` },
        webhook_jobs: {},
        recurring_jobs: {},
        ...extra,
      });
      return { id: ch.id, token: inboundToken };
    };

    it('a job run that fails for good emits one switchyard.job_run.failed, and so does a run its channel deletion fails', async () => {
      await hook('/ops', { event_type: 'switchyard.job_run.failed' });
      answers['/connector'] = 500;
      const channelId = (await channel({})).id;
      const { jobRunId } = await channels().runNow(accountId, channelId, JOB);
      // Awaiting the run lets the test server skip its retry countdowns.
      expect(await env.client.workflow.getHandle(channelIds.jobRun(jobRunId)).result()).toBe('failed');
      const [op] = await settledOpEvents(1);
      expect(op).toMatchObject({
        type: 'switchyard.job_run.failed',
        goods_owner_id: null,
        payload: {
          job_run_id: jobRunId,
          channel_id: channelId,
          job_type: JOB,
          trigger: 'manual',
          error: 'HTTP 500',
        },
      });
      expect(at('/ops').map((r) => envelope(r).payload.job_run_id)).toEqual([jobRunId]);

      // A run still waiting out its delay fails when its channel is deleted.
      const { id: waiting, token } = await channel({
        mode: 'webhook',
        webhook_jobs: { [JOB]: { delay: '1h', emergency_job_period: null } },
      });
      const pending = await channels().inbound(waiting, JOB, token, { n: 1 });
      await channels().remove(accountId, waiting);
      const ops = await settledOpEvents(2);
      expect(ops[1].payload).toEqual({
        job_run_id: pending.jobRunId,
        channel_id: waiting,
        job_type: JOB,
        trigger: 'webhook',
        error: 'the channel was deleted',
      });
      await env.client.workflow
        .getHandle(channelIds.webhookJob(waiting, JOB))
        .terminate('test over')
        .catch(() => undefined);
    });

    it('an emergency run emits one switchyard.emergency_job.started with the last webhook success', async () => {
      await hook('/ops', { event_type: 'switchyard.*' });
      answers['/connector'] = 200;
      const svc = channels();
      const { id, token } = await channel({
        mode: 'webhook',
        webhook_jobs: { [JOB]: { delay: null, emergency_job_period: '1h' } },
      });
      const ch = { id };
      const watchdog = env.client.workflow.getHandle(channelIds.emergency(ch.id, JOB));
      const dueAt = async () =>
        waitUntil('the watchdog memo has its deadline', async () => {
          const memo = (await watchdog.describe()).memo;
          return typeof memo?.emergencyDueAt === 'string' && Date.parse(memo.emergencyDueAt);
        });
      const firstDue = await dueAt();
      const { jobRunId } = await svc.inbound(ch.id, JOB, token, { n: 1 });
      const success = await waitUntil('the webhook job succeeds', async () => {
        const r = await tdb.db('job_runs').where({ id: jobRunId }).first();
        return r?.status === 'succeeded' && r;
      });
      // Re-armed by the success: wait for it before moving the clock (see test/workflows/channels.test.ts).
      const due = await waitUntil('the watchdog is re-armed', async () => {
        const d = await dueAt();
        return d !== firstDue && d;
      });
      await env.sleep(due - (await env.currentTimeMs()) + M);
      const emergency = await waitUntil('one emergency run', async () => {
        const rows = await tdb.db('job_runs').where({ channel_id: ch.id, trigger: 'emergency' });
        return rows.length === 1 && rows[0];
      });
      const [op] = await settledOpEvents(1);
      expect(op).toMatchObject({
        type: 'switchyard.emergency_job.started',
        payload: {
          job_run_id: emergency.id,
          channel_id: ch.id,
          job_type: JOB,
          last_success_at: new Date(success.finished_at).toISOString(),
        },
      });
      expect(at('/ops').map((r) => r.headers['x-switchyard-event'])).toEqual([
        'switchyard.emergency_job.started',
      ]);

      // The activity that created it, run again for the same deadline (a retry): nothing new.
      const again = await activities.createJobRuns({
        accountId,
        jobType: JOB,
        channelId: ch.id,
        trigger: 'emergency',
        scheduledForMs: new Date(emergency.scheduled_for).getTime(),
        origin: emergency.origin.slice(0, -(ch.id.length + 1)),
      });
      expect(again.runs).toEqual([{ jobRunId: emergency.id, channelId: ch.id }]);
      expect((await opEvents()).map((e) => e.id)).toEqual([op.id]);

      await svc.remove(accountId, ch.id);
      await waitUntil(
        'the watchdog has ended',
        async () => (await watchdog.describe()).status.name !== 'RUNNING',
      );
    });
  });
});
