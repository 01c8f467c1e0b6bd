import { Client, ServiceError, WorkflowNotFoundError } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { createEventsRepository } from '../../src/repositories/events';
import { newId } from '../../src/ids';
import {
  createEventsService,
  DIRECT_START_MAX,
  requestHash,
  STRANDED_AFTER_MS,
} from '../../src/services/events';
import { createDeliveryPlanner } from '../../src/webhooks/plan';
import { webhookWorkflowIds } from '../../src/workflows/webhooks/contract';
import type { TestApp } from '../support/app';
import { testDatabaseKinds, type TestDb } from '../support/db';
import type { Received, Receiver } from '../support/receiver';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const PLAIN_SECRET = 'not-base64 secret!';

function verifyWithLibraries(r: Received, secret: string): void {
  const headers = {
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  };
  // Both libraries take whsec_ secrets; a plain secret's key is its UTF-8 bytes, i.e. base64 of them.
  const key = secret.startsWith('whsec_') ? secret : Buffer.from(secret, 'utf8').toString('base64');
  expect(() => new StandardWebhook(key).verify(r.body, headers)).not.toThrow();
  expect(() => new SvixWebhook(key).verify(r.body, headers)).not.toThrow();
  // ...and a tampered body fails, so the checks above can fail.
  expect(() => new StandardWebhook(key).verify(r.body.replace('}', ' }'), headers)).toThrow();
}

describe.each(testDatabaseKinds())('events fan out to signed deliveries on %s', (kind) => {
  let env: TestWorkflowEnvironment;
  let tdb: TestDb;
  let app: TestApp;
  let receiver: Receiver;
  let stack: DeliveryStack;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, { secret: 'events-test-secret-key' });
    ({ env, tdb, receiver, app } = stack);
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'oms' } })).body.api_key;
    otherKey = (await app.call('POST', '/v1/accounts', { body: { name: 'other' } })).body.api_key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** Each scenario gets its own account, so earlier subscriptions cannot match its events. */
  const freshAccount = async () => {
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'scenario' } })).body.api_key;
  };

  const hook = async (body: Record<string, unknown>, k = key) => {
    const res = await app.call('POST', '/v1/webhooks', {
      key: k,
      body: { target_url: receiver.url, retry_policy: 'none', ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const deliveriesOf = async (eventId: string, k = key) =>
    (
      await waitUntil(
        `the deliveries of event ${eventId} settle`,
        async () => (await app.call('GET', `/v1/events/${eventId}`, { key: k })).body,
        (event) =>
          event.deliveries?.length > 0 &&
          event.deliveries.every((d: { status: string }) => d.status !== 'pending'),
      )
    ).deliveries as Array<{ id: string; webhook_id: string; status: string }>;

  it('delivers one signed envelope per matching webhook, honouring scope and patterns', async () => {
    receiver.requests.length = 0;
    const everything = await hook({ event_type: '*', secret_key: SECRET });
    const packages = await hook({
      event_type: 'package.*',
      secret_key: PLAIN_SECRET,
      auth: { type: 'basic', username: 'oms', password: 's3cret' },
      additional_headers: { 'X-Tenant': 'acme' },
    });
    const shippedOnly = await hook({ event_type: 'package.status.shipped' });
    const mineRegular = await hook({
      event_type: 'package.created',
      scope: 'regular',
      goods_owner_id: 'GO-1',
    });
    const otherRegular = await hook({
      event_type: 'package.created',
      scope: 'regular',
      goods_owner_id: 'GO-2',
    });
    await hook({ event_type: 'transfer.*' });
    await hook({ event_type: '*', enabled: false });
    await hook({ event_type: '*' }, otherKey);

    const posted = await app.call('POST', '/v1/events', {
      key,
      body: {
        id: 'pkg-1001-created',
        type: 'package.created',
        goods_owner_id: 'GO-1',
        occurred_at: '2026-11-23T08:00:00+01:00',
        payload: { package_id: 1001, lines: [{ sku: 'A', qty: 2 }] },
      },
    });
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({
      id: 'pkg-1001-created',
      message_id: expect.stringMatching(/^msg_[0-9a-z]{26}$/),
      occurred_at: '2026-11-23T07:00:00.000Z',
    });

    const deliveries = await deliveriesOf('pkg-1001-created');
    expect(deliveries.map((d) => d.webhook_id).sort()).toEqual([everything, packages, mineRegular].sort());
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect(receiver.requests).toHaveLength(3);
    expect(deliveries.map((d) => d.webhook_id)).not.toContain(shippedOnly);
    expect(deliveries.map((d) => d.webhook_id)).not.toContain(otherRegular);

    for (const r of receiver.requests) {
      expect(r.method).toBe('POST');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['user-agent']).toMatch(/^Switchyard\/\d+\.\d+\.\d+$/);
      expect(r.headers['webhook-id']).toBe(posted.body.message_id);
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(60);
      expect(r.headers['x-switchyard-event']).toBe('package.created');
      expect(r.headers['x-switchyard-attempt']).toBe('1');
      expect(deliveries.map((d) => d.id)).toContain(r.headers['x-switchyard-delivery']);
      expect(JSON.parse(r.body)).toEqual({
        event: {
          type: 'package.created',
          uuid: 'pkg-1001-created',
          occurred_at: '2026-11-23T07:00:00.000Z',
          goods_owner_id: 'GO-1',
        },
        payload: { package_id: 1001, lines: [{ sku: 'A', qty: 2 }] },
      });
    }
    const byHook = (id: string) =>
      receiver.requests.find(
        (r) => r.headers['x-switchyard-delivery'] === deliveries.find((d) => d.webhook_id === id)?.id,
      ) as Received;
    verifyWithLibraries(byHook(everything), SECRET);
    verifyWithLibraries(byHook(packages), PLAIN_SECRET);
    expect(byHook(packages).headers.authorization).toBe(
      `Basic ${Buffer.from('oms:s3cret').toString('base64')}`,
    );
    expect(byHook(packages).headers['x-tenant']).toBe('acme');
    expect(byHook(mineRegular).headers['webhook-signature']).toBeUndefined();
  });

  it('an automation webhook sees every goods owner; a regular one only its own', async () => {
    await freshAccount();
    const auto = await hook({ event_type: 'order.picked' });
    const go7 = await hook({ event_type: 'order.picked', scope: 'regular', goods_owner_id: 'GO-7' });
    for (const [id, owner] of [
      ['o-1', 'GO-7'],
      ['o-2', 'GO-8'],
      ['o-3', null],
    ] as const) {
      await app.call('POST', '/v1/events', {
        key,
        body: { id, type: 'order.picked', goods_owner_id: owner, payload: { order: id } },
      });
    }
    const seen = async (eventId: string) => (await deliveriesOf(eventId)).map((d) => d.webhook_id).sort();
    expect(await seen('o-1')).toEqual([auto, go7].sort());
    expect(await seen('o-2')).toEqual([auto]);
    expect(await seen('o-3')).toEqual([auto]);
  });

  it('concurrent duplicate POSTs make exactly one delivery per webhook', async () => {
    await freshAccount();
    receiver.requests.length = 0;
    await hook({ event_type: 'shipment.created' });
    await hook({ event_type: 'shipment.*' });
    const body = { id: 'shp-77', type: 'shipment.created', payload: { shipment: 77 } };
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => app.call('POST', '/v1/events', { key, body })),
    );
    expect(answers.filter((a) => a.status === 202)).toHaveLength(1);
    expect(answers.filter((a) => a.status === 200)).toHaveLength(19);
    const deliveries = await deliveriesOf('shp-77');
    expect(deliveries).toHaveLength(2);
    // Both deliveries have ended: no further request can follow.
    for (const d of deliveries) {
      expect(
        await env.client.workflow.getHandle(webhookWorkflowIds.delivery('shp-77', d.webhook_id)).result(),
      ).toBe('delivered');
    }
    const messageIds = new Set(answers.map((a) => a.body.message_id as string));
    expect(messageIds.size).toBe(1);
    const [messageId] = messageIds;
    expect(receiver.requests.filter((r) => r.headers['webhook-id'] === messageId)).toHaveLength(2);
    expect(Number((await tdb.db('events').where({ id: 'shp-77' }).count({ n: '*' }).first())?.n)).toBe(1);
  });

  const accountIdOf = async (k = key) => (await app.call('GET', '/v1/account', { key: k })).body.id as string;
  const dispatchedAt = async (accountId: string, eventId: string) =>
    (await tdb.db('events').where({ account_id: accountId, id: eventId }).first('dispatched_at'))
      ?.dispatched_at as Date | null;
  /** No dispatchEvent workflow was ever started for the event. */
  const expectNoFanOut = async (accountId: string, eventId: string) =>
    expect(
      env.client.workflow.getHandle(webhookWorkflowIds.dispatch(accountId, eventId)).describe(),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  /** An events service of its own (another API process), on the given Temporal client. */
  const eventsService = (temporal: Client, eagerStarts?: Client) =>
    createEventsService({
      db: tdb.db,
      temporal,
      eagerStarts,
      config: app.config,
      logger: createLogger('silent'),
      metrics: createMetrics(),
      secrets: app.secrets,
      searchAttributes: false,
    });
  /** Stores an event as ingest does, and nothing else: a request that died right after. */
  const storeOnly = async (accountId: string, id: string, type: string) => {
    const payload = { id };
    await createEventsRepository(tdb.db).insertIfNew({
      account_id: accountId,
      id,
      seq: newId('evt'),
      type,
      goods_owner_id: null,
      occurred_at: new Date(),
      payload: JSON.stringify(payload),
      request_hash: requestHash({ type, payload }),
    });
    return { id, type, payload };
  };
  /** Makes a stored event look accepted before the sweep's age (by a request that died then). */
  const age = async (accountId: string, eventId: string) => {
    await tdb
      .db('events')
      .where({ account_id: accountId, id: eventId })
      .update({ created_at: new Date(Date.now() - STRANDED_AFTER_MS - 1000) });
  };
  const planner = () => createDeliveryPlanner({ db: tdb.db, temporal: env.client, searchAttributes: false });

  it('an event with up to DIRECT_START_MAX matching webhooks is delivered without a dispatchEvent workflow', async () => {
    await freshAccount();
    receiver.requests.length = 0;
    const accountId = await accountIdOf();
    const only = await hook({ event_type: 'package.created' });
    await hook({ event_type: 'order.*' });
    const posted = await app.call('POST', '/v1/events', {
      key,
      body: { id: 'one-1', type: 'package.created', payload: { n: 1 } },
    });
    expect(posted.status).toBe(202);
    // Marked dispatched before the answer: its delivery's workflow runs already.
    expect(await dispatchedAt(accountId, 'one-1')).not.toBeNull();
    expect(await deliveriesOf('one-1')).toMatchObject([{ webhook_id: only, status: 'delivered' }]);
    await expectNoFanOut(accountId, 'one-1');
    expect(receiver.requests).toHaveLength(1);

    // Up to the limit, still no fan-out workflow.
    for (let i = 1; i < DIRECT_START_MAX; i++) await hook({ event_type: 'package.*' });
    await app.call('POST', '/v1/events', {
      key,
      body: { id: 'four-1', type: 'package.created', payload: {} },
    });
    const four = await deliveriesOf('four-1');
    expect(four).toHaveLength(DIRECT_START_MAX);
    expect(four.every((d) => d.status === 'delivered')).toBe(true);
    await expectNoFanOut(accountId, 'four-1');

    // No matching webhook: no workflow at all, the event is dispatched.
    expect(
      (
        await app.call('POST', '/v1/events', {
          key,
          body: { id: 'none-1', type: 'transfer.status.created', payload: {} },
        })
      ).status,
    ).toBe(202);
    expect(await dispatchedAt(accountId, 'none-1')).not.toBeNull();
    expect((await app.call('GET', '/v1/events/none-1', { key })).body.deliveries).toEqual([]);
    await expectNoFanOut(accountId, 'none-1');
  });

  it('in one process with the worker, the API starts up to 16 deliveries itself, eagerly, on the worker’s connection', async () => {
    await freshAccount();
    const accountId = await accountIdOf();
    // More than the plain API's DIRECT_START_MAX: with eager starts the default is 16.
    for (let i = 0; i <= DIRECT_START_MAX; i++) await hook({ event_type: 'transfer.*' });
    // A client on the worker's own connection, its starts recorded; the API's client must start nothing.
    const eager = new Client({ connection: env.nativeConnection, namespace: env.namespace ?? 'default' });
    const starts: Array<{ workflowId: string; requestEagerStart?: boolean }> = [];
    const realStart = eager.workflow.start.bind(eager.workflow);
    eager.workflow.start = (async (type: never, options: never) => {
      starts.push(options);
      return realStart(type, options);
    }) as typeof eager.workflow.start;
    const plain = new Client({ connection: env.client.connection, namespace: env.namespace ?? 'default' });
    plain.workflow.start = (() => {
      throw new Error('the API client must not start deliveries when a worker client is given');
    }) as never;
    const service = eventsService(plain, eager);
    await service.ingest(accountId, { id: 'eager-1', type: 'transfer.created', payload: {} });
    expect(starts).toHaveLength(DIRECT_START_MAX + 1);
    for (const s of starts)
      expect(s).toMatchObject({ workflowId: expect.stringContaining('eager-1'), requestEagerStart: true });
    const settled = await deliveriesOf('eager-1');
    expect(settled.map((d) => d.status)).toEqual(Array(DIRECT_START_MAX + 1).fill('delivered'));
    await expectNoFanOut(accountId, 'eager-1');
  });

  it('a wider event still fans out in a dispatchEvent workflow', async () => {
    await freshAccount();
    const accountId = await accountIdOf();
    const hooks: string[] = [];
    for (let i = 0; i <= DIRECT_START_MAX; i++) hooks.push(await hook({ event_type: 'shipment.*' }));
    expect(
      (
        await app.call('POST', '/v1/events', {
          key,
          body: { id: 'wide-1', type: 'shipment.created', payload: {} },
        })
      ).status,
    ).toBe(202);
    expect(
      await env.client.workflow.getHandle(webhookWorkflowIds.dispatch(accountId, 'wide-1')).result(),
    ).toEqual({ deliveries: DIRECT_START_MAX + 1 });
    const deliveries = await deliveriesOf('wide-1');
    expect(deliveries.map((d) => d.webhook_id).sort()).toEqual([...hooks].sort());
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
  });

  it('a replay starts nothing twice, also of a request that died after its starts', async () => {
    await freshAccount();
    receiver.requests.length = 0;
    const accountId = await accountIdOf();
    const webhookId = await hook({ event_type: 'order.picked' });
    const body = { id: 'rep-1', type: 'order.picked', payload: { o: 1 } };
    expect((await app.call('POST', '/v1/events', { key, body })).status).toBe(202);
    await deliveriesOf('rep-1');
    expect((await app.call('POST', '/v1/events', { key, body })).status).toBe(200);

    // rep-2's request recorded its plan and started the delivery, then died before the mark.
    const stored = await storeOnly(accountId, 'rep-2', 'order.picked');
    const plan = await planner().record((await planner().route(accountId, 'rep-2'))!, {
      markDispatched: false,
    });
    expect(await planner().start(plan, { eager: false })).toEqual({ started: 1, existing: 0 });
    expect(await dispatchedAt(accountId, 'rep-2')).toBeNull();
    expect((await app.call('POST', '/v1/events', { key, body: stored })).status).toBe(200);
    expect(await dispatchedAt(accountId, 'rep-2')).not.toBeNull();

    for (const id of ['rep-1', 'rep-2']) {
      expect(await deliveriesOf(id)).toMatchObject([{ webhook_id: webhookId, status: 'delivered' }]);
      expect(await env.client.workflow.getHandle(webhookWorkflowIds.delivery(id, webhookId)).result()).toBe(
        'delivered',
      );
      await expectNoFanOut(accountId, id);
    }
    expect(receiver.requests).toHaveLength(2);
  });

  it('the sweep starts the deliveries of events a crash left undispatched, each once', async () => {
    await freshAccount();
    receiver.requests.length = 0;
    const accountId = await accountIdOf();
    const webhookId = await hook({ event_type: 'stock_location.*' });
    // Died after committing its plan, before starting the workflow.
    await storeOnly(accountId, 'swp-recorded', 'stock_location.created');
    const recorded = await planner().record((await planner().route(accountId, 'swp-recorded'))!, {
      markDispatched: false,
    });
    expect(recorded.deliveries).toHaveLength(1);
    // Died after storing the event, before recording anything.
    await storeOnly(accountId, 'swp-stored', 'stock_location.updated');

    const sweeper = eventsService(env.client);
    // Requests still in flight are left alone: the sweep takes events older than STRANDED_AFTER_MS.
    expect(await sweeper.redispatchStranded()).toBe(0);
    await age(accountId, 'swp-recorded');
    await age(accountId, 'swp-stored');
    expect(await sweeper.redispatchStranded()).toBe(2);
    for (const id of ['swp-recorded', 'swp-stored']) {
      expect(await deliveriesOf(id)).toMatchObject([{ webhook_id: webhookId, status: 'delivered' }]);
      expect(await dispatchedAt(accountId, id)).not.toBeNull();
      await expectNoFanOut(accountId, id);
    }
    expect((await deliveriesOf('swp-recorded'))[0]!.id).toBe(recorded.deliveries[0]!.deliveryId);
    expect(await sweeper.redispatchStranded()).toBe(0);
    expect(receiver.requests).toHaveLength(2);

    // A wide stranded event gets its dispatchEvent workflow, as before.
    for (let i = 0; i < DIRECT_START_MAX; i++) await hook({ event_type: 'stock_location.*' });
    await storeOnly(accountId, 'swp-wide', 'stock_location.created');
    await age(accountId, 'swp-wide');
    expect(await sweeper.redispatchStranded()).toBe(1);
    expect(
      await env.client.workflow.getHandle(webhookWorkflowIds.dispatch(accountId, 'swp-wide')).result(),
    ).toEqual({ deliveries: DIRECT_START_MAX + 1 });
    expect(await deliveriesOf('swp-wide')).toHaveLength(DIRECT_START_MAX + 1);
  });

  it('a refused start fails the request and leaves nothing; once one delivery runs, the sweep starts the rest', async () => {
    await freshAccount();
    receiver.requests.length = 0;
    const accountId = await accountIdOf();
    await hook({ event_type: 'transfer.status.created' });
    await hook({ event_type: 'transfer.*' });
    /** A Temporal client that starts the first `passes` workflows and then refuses. */
    const refusing = (passes: number) => {
      const asked: string[] = [];
      const start = async (type: string, opts: never) => {
        asked.push(type);
        if (asked.length <= passes) return env.client.workflow.start(type, opts);
        throw new ServiceError('Temporal is unavailable');
      };
      return { asked, client: { workflow: { start } } as unknown as Client };
    };

    const none = refusing(0);
    await expect(
      eventsService(none.client).ingest(accountId, {
        id: 'ref-1',
        type: 'transfer.status.created',
        payload: {},
      }),
    ).rejects.toBeInstanceOf(ServiceError);
    expect(none.asked).toEqual(['deliverWebhook', 'deliverWebhook']);
    expect(await tdb.db('events').where({ account_id: accountId, id: 'ref-1' })).toEqual([]);
    expect(await tdb.db('deliveries').where({ account_id: accountId, event_id: 'ref-1' })).toEqual([]);

    const one = refusing(1);
    const accepted = await eventsService(one.client).ingest(accountId, {
      id: 'ref-2',
      type: 'transfer.status.created',
      payload: {},
    });
    expect(accepted.created).toBe(true);
    expect(one.asked).toEqual(['deliverWebhook', 'deliverWebhook']);
    expect(await dispatchedAt(accountId, 'ref-2')).toBeNull();
    await age(accountId, 'ref-2');
    expect(await eventsService(env.client).redispatchStranded()).toBe(1);
    const deliveries = await deliveriesOf('ref-2');
    expect(deliveries).toHaveLength(2);
    expect(deliveries.every((d) => d.status === 'delivered')).toBe(true);
    expect(await dispatchedAt(accountId, 'ref-2')).not.toBeNull();
    expect(receiver.requests).toHaveLength(2);
  });

  it('the same id with another body is a conflict; the Idempotency-Key header works like id', async () => {
    const first = await app.call('POST', '/v1/events', {
      key,
      body: { id: 'dup-1', type: 'stock_location.created', payload: { a: 1 } },
    });
    expect(first.status).toBe(202);
    const conflict = await app.call('POST', '/v1/events', {
      key,
      body: { id: 'dup-1', type: 'stock_location.created', payload: { a: 2 } },
    });
    expect(conflict.status).toBe(409);
    expect(conflict.body.error.code).toBe('conflict');
    const byHeader = { type: 'stock_location.updated', payload: { b: 1 } };
    const h1 = await app.call('POST', '/v1/events', {
      key,
      body: byHeader,
      headers: { 'idempotency-key': 'idem-9' },
    });
    const h2 = await app.call('POST', '/v1/events', {
      key,
      body: byHeader,
      headers: { 'idempotency-key': 'idem-9' },
    });
    expect([h1.status, h2.status]).toEqual([202, 200]);
    expect(h1.body.id).toBe('idem-9');
    // another account may use the same id independently
    expect(
      (
        await app.call('POST', '/v1/events', {
          key: otherKey,
          body: { id: 'dup-1', type: 'stock_location.created', payload: { a: 9 } },
        })
      ).status,
    ).toBe(202);
  });

  it.each([
    ['type', { type: 'package.teleported', payload: {} }],
    ['type', { type: 'webhook.test', payload: {} }],
    ['payload', { type: 'package.created', payload: [1, 2] }],
    ['payload', { type: 'package.created', payload: 'x' }],
    ['payload', { type: 'package.created' }],
    ['occurred_at', { type: 'package.created', occurred_at: 'yesterday', payload: {} }],
    ['id', { id: 'has spaces', type: 'package.created', payload: {} }],
    ['goods_owner_id', { type: 'package.created', goods_owner_id: 5, payload: {} }],
    ['extra', { type: 'package.created', payload: {}, extra: 1 }],
  ])('refuses an event with a bad %s and stores nothing', async (path, body) => {
    const before = Number((await tdb.db('events').count({ n: '*' }).first())?.n);
    const res = await app.call('POST', '/v1/events', { key, body });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(Number((await tdb.db('events').count({ n: '*' }).first())?.n)).toBe(before);
  });

  it("keeps events apart per account: another account's event is 404", async () => {
    await app.call('POST', '/v1/events', {
      key,
      body: { id: 'private-1', type: 'package.created', payload: {} },
    });
    expect((await app.call('GET', '/v1/events/private-1', { key: otherKey })).status).toBe(404);
    expect((await app.call('GET', '/v1/events/private-1', { key })).status).toBe(200);
    const list = await app.call('GET', '/v1/events?limit=100', { key: otherKey });
    expect(list.body.data.map((e: { id: string }) => e.id)).not.toContain('private-1');
  });

  it('lists the event-type catalogue', async () => {
    const res = await app.call('GET', '/v1/event-types', { key });
    const types = res.body.data.map((t: { type: string }) => t.type);
    expect(types).toEqual(
      expect.arrayContaining([
        'package.status.packed_for_refund',
        'transfer.status.ready_to_shipment',
        'order.status.changed',
        'webhook.test',
      ]),
    );
    expect(new Set(res.body.data.map((t: { group: string }) => t.group))).toEqual(
      new Set(['package', 'shipment', 'transfer', 'stock_location', 'order', 'webhook', 'switchyard']),
    );
  });
});
