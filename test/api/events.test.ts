import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
    // The fan-out and both deliveries have ended: no further request can follow.
    const { account_id } = await tdb.db('events').where({ id: 'shp-77' }).first();
    await env.client.workflow.getHandle(webhookWorkflowIds.dispatch(account_id, 'shp-77')).result();
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
      new Set(['package', 'shipment', 'transfer', 'stock_location', 'order', 'webhook']),
    );
  });
});
