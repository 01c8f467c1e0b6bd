// Payload filters (contract v2) over HTTP, on both databases, against a real loopback receiver under
// the time-skipping server. "No delivery" is proven by the event's `deliveries: []` once an event
// accepted after it has been delivered (its routing happened first), never by a sleep.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { FILTER_MESSAGES, MAX_FILTER_BYTES } from '../../src/rules/filter';
import { createDeliveryPlanner } from '../../src/webhooks/plan';
import { startTestApp, type TestApp } from '../support/app';
import { testDatabaseKinds, type TestDb } from '../support/db';
import type { Receiver } from '../support/receiver';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';

type Detail = { path: string; message: string };

describe.each(testDatabaseKinds())('payload filters on %s', (kind) => {
  let stack: DeliveryStack;
  let app: TestApp;
  /** The same database and worker; every event goes through a dispatchEvent workflow. */
  let fanOutApp: TestApp;
  let tdb: TestDb;
  let receiver: Receiver;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, { secret: 'filters-test-secret' });
    ({ app, tdb, receiver } = stack);
    fanOutApp = await startTestApp({
      db: tdb.db,
      temporal: stack.env.client,
      searchAttributes: false,
      secrets: app.secrets,
      env: { SWITCHYARD_DIRECT_START_MAX: '0' },
    });
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    const account = (await app.call('POST', '/v1/accounts', { body: { name: 'filters' } })).body;
    key = account.api_key;
    accountId = account.id;
  });
  afterAll(async () => {
    await fanOutApp?.close();
    await stack?.close();
  });

  const create = (body: Record<string, unknown>) =>
    app.call('POST', '/v1/webhooks', { key, body: { event_type: '*', target_url: receiver.url, ...body } });
  const paths = (res: { body: { error: { details: Detail[] } } }) =>
    res.body.error.details.map((d) => d.path);

  describe('the webhook field', () => {
    const filter = {
      'payload.status': { $in: ['shipped', 'delivered'] },
      'event.goods_owner_id': 'GO-1',
      $not: { 'payload.lines.0.sku': { $startsWith: 'TEST-' } },
    };

    it('is null by default, and is stored, returned, listed, patched and cleared', async () => {
      const plain = await create({});
      expect(plain.status).toBe(201);
      expect(plain.body.filter).toBeNull();

      const created = await create({ filter });
      expect(created.status).toBe(201);
      expect(created.body.filter).toEqual(filter);
      const id = created.body.id as string;
      expect((await app.call('GET', `/v1/webhooks/${id}`, { key })).body.filter).toEqual(filter);
      const listed = (await app.call('GET', '/v1/webhooks', { key })).body.data;
      expect(
        Object.fromEntries(listed.map((w: { id: string; filter: unknown }) => [w.id, w.filter])),
      ).toEqual({
        [id]: filter,
        [plain.body.id]: null,
      });

      // Another field leaves the filter alone; a new filter replaces it whole; null clears it.
      const renamed = await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { name: 'shipped' } });
      expect(renamed.body).toMatchObject({ name: 'shipped', filter });
      const replaced = await app.call('PATCH', `/v1/webhooks/${id}`, {
        key,
        body: { filter: { 'payload.weight': { $gte: 10, $lt: 100 } } },
      });
      expect(replaced.status).toBe(200);
      expect(replaced.body.filter).toEqual({ 'payload.weight': { $gte: 10, $lt: 100 } });
      const empty = await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { filter: {} } });
      expect(empty.body.filter).toEqual({});
      const cleared = await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { filter: null } });
      expect(cleared.body.filter).toBeNull();
      expect((await app.call('GET', `/v1/webhooks/${id}`, { key })).body.filter).toBeNull();
    });

    const deep = (levels: number) => {
      let f: Record<string, unknown> = { 'payload.a': 1 };
      for (let i = 1; i < levels; i++) f = { $not: f };
      return f;
    };
    it.each<[string, unknown, Detail[]]>([
      [
        'an unknown operator',
        { 'payload.status': { $regex: '^ship' } },
        [{ path: 'filter.payload.status.$regex', message: FILTER_MESSAGES.unknownOperator }],
      ],
      [
        'a wrong operand type, deep inside',
        { $and: [{ 'event.type': 'order.created' }, { 'payload.status': { $gt: true } }] },
        [{ path: 'filter.$and.1.payload.status.$gt', message: FILTER_MESSAGES.comparable }],
      ],
      [
        'several problems at once',
        { $or: [], 'payload.a': { $exists: 'yes', $startsWith: 5 }, status: 'x' },
        [
          { path: 'filter.$or', message: FILTER_MESSAGES.filters },
          { path: 'filter.payload.a.$exists', message: FILTER_MESSAGES.boolean },
          { path: 'filter.payload.a.$startsWith', message: FILTER_MESSAGES.string },
          { path: 'filter.status', message: FILTER_MESSAGES.badPath },
        ],
      ],
      [
        'more than 8 levels',
        deep(9),
        [{ path: `filter${'.$not'.repeat(8)}`, message: FILTER_MESSAGES.tooDeep }],
      ],
      [
        'more than 8 KiB',
        { 'payload.a': 'x'.repeat(MAX_FILTER_BYTES) },
        [{ path: 'filter', message: FILTER_MESSAGES.tooLarge(MAX_FILTER_BYTES + 16) }],
      ],
      ['not an object', ['payload.a'], [{ path: 'filter', message: 'must be a JSON object' }]],
    ])(
      'refuses %s with 422 at its path, on create and on patch, storing nothing',
      async (_what, bad, details) => {
        const count = async () => Number((await tdb.db('webhooks').count({ n: '*' }).first())?.n);
        const before = await count();
        const res = await create({ filter: bad });
        expect(res.status).toBe(422);
        expect(res.body.error).toMatchObject({ code: 'validation_failed', details });
        expect(await count()).toBe(before);

        const id = (await create({ filter: { 'payload.ok': true } })).body.id as string;
        const patched = await app.call('PATCH', `/v1/webhooks/${id}`, {
          key,
          body: { filter: bad, name: 'x' },
        });
        expect(patched.status).toBe(422);
        expect(patched.body.error.details).toEqual(details);
        expect((await app.call('GET', `/v1/webhooks/${id}`, { key })).body).toMatchObject({
          name: null,
          filter: { 'payload.ok': true },
        });
      },
    );

    it('reports a bad filter together with the other rules of the body', async () => {
      const res = await create({ scope: 'regular', filter: { 'payload.a': { $in: 'x' } } });
      expect(res.status).toBe(422);
      expect(paths(res)).toEqual(['filter.payload.a.$in', 'goods_owner_id']);
    });
  });

  describe('routing', () => {
    /** Each webhook posts to its own path on the receiver, so requests say which webhook they are. */
    const filters = {
      shipped: { 'payload.status': 'shipped' },
      heavyGo1: { 'event.goods_owner_id': 'GO-1', 'payload.weight': { $gte: 10 } },
      skuOrPriority: {
        $or: [{ 'payload.lines.0.sku': { $startsWith: 'A-' } }, { 'payload.priority': { $exists: true } }],
      },
      notTest: { $not: { 'payload.test': true } },
    } as const;
    type Name = keyof typeof filters;
    /** In acceptance order: each event that matches nothing comes before one that matches something. */
    const matrix: Array<{ goods_owner_id: string | null; payload: Record<string, unknown>; to: Name[] }> = [
      {
        goods_owner_id: 'GO-2',
        payload: { status: 'packed', weight: 50, lines: [{ sku: 'B-1' }], test: true },
        to: [],
      },
      {
        goods_owner_id: 'GO-1',
        payload: { status: 'shipped', weight: 12, lines: [{ sku: 'A-1' }] },
        to: ['shipped', 'heavyGo1', 'skuOrPriority', 'notTest'],
      },
      { goods_owner_id: 'GO-1', payload: { status: 'shipped', test: true }, to: ['shipped'] },
      // A numeric string is not a number ($gte never matches it); a null value exists.
      {
        goods_owner_id: 'GO-1',
        payload: { status: 'cancelled', weight: '12', priority: null, test: true },
        to: ['skuOrPriority'],
      },
      {
        goods_owner_id: 'GO-1',
        payload: { status: 'packed', weight: 9.5, lines: [{ sku: 'a-1' }], test: true },
        to: [],
      },
      { goods_owner_id: null, payload: { status: 'delivered', test: false }, to: ['notTest'] },
      { goods_owner_id: 'GO-1', payload: { status: 'shipped ', weight: 9, lines: [], test: true }, to: [] },
      {
        goods_owner_id: 'GO-3',
        payload: { status: 'shipped', weight: 10, test: 'true' },
        to: ['shipped', 'notTest'],
      },
    ];

    it.each(['direct', 'fanOut'] as const)(
      'delivers each event only to the webhooks whose filter admits it (%s starts)',
      async (path) => {
        const via = path === 'direct' ? app : fanOutApp;
        const ids = {} as Record<Name, string>;
        for (const name of Object.keys(filters) as Name[]) {
          const res = await create({ target_url: `${receiver.url}/${name}`, filter: filters[name] });
          expect(res.status).toBe(201);
          ids[name] = res.body.id;
        }
        const events: string[] = [];
        for (const [i, e] of matrix.entries()) {
          const res = await via.call('POST', '/v1/events', {
            key,
            body: {
              id: `${path}-${i}`,
              type: 'package.status.shipped',
              goods_owner_id: e.goods_owner_id,
              payload: e.payload,
            },
          });
          expect(res.status).toBe(202);
          events.push(res.body.id);
        }

        const delivered = (ds: Array<{ webhook_id: string; status: string }>) =>
          ds.filter((d) => d.status === 'delivered').map((d) => d.webhook_id);
        const deliveriesOf = async (i: number) =>
          (await app.call('GET', `/v1/events/${events[i]}`, { key })).body.deliveries;
        // First every event that matches something, in acceptance order, to its last delivery ...
        for (const [i, e] of matrix.entries()) {
          if (e.to.length === 0) continue;
          const ds = await waitUntil(
            `event ${events[i]} is delivered to ${e.to.join(', ')}`,
            () => deliveriesOf(i),
            (ds) => delivered(ds).length === e.to.length,
          );
          expect(delivered(ds).sort(), `event ${i}`).toEqual(e.to.map((name) => ids[name]).sort());
          expect(ds, `event ${i}`).toHaveLength(e.to.length);
        }
        // ... then those that match nothing, each accepted before one that was delivered: they have
        // been routed, to nothing. Direct starts route inside the POST; a fan-out routes in its own
        // workflow, in no set order, and marks the event dispatched in the statement that records
        // its plan, so that mark is awaited first.
        for (const [i, e] of matrix.entries()) {
          if (e.to.length > 0) continue;
          const planned = () =>
            tdb.db('events').where({ account_id: accountId, id: events[i] }).first('dispatched_at');
          if (path === 'direct') expect((await planned())?.dispatched_at, `event ${i}`).toBeTruthy();
          else
            await waitUntil(`event ${events[i]} is dispatched`, async () => (await planned())?.dispatched_at);
          expect(await deliveriesOf(i), `event ${i}`).toEqual([]);
        }
        const expected = matrix.flatMap((e, i) => e.to.map((name) => `/${name} ${events[i]}`));
        const got = receiver.requests.map((r) => `${r.path} ${JSON.parse(r.body).event.uuid}`);
        expect(got.sort()).toEqual(expected.sort());
      },
    );

    /** Resolves once the event's one delivery is delivered. */
    const deliveredOnce = (eventId: string) =>
      waitUntil(
        `event ${eventId} is delivered`,
        async () => (await app.call('GET', `/v1/events/${eventId}`, { key })).body.deliveries,
        (ds) => ds.length === 1 && ds[0].status === 'delivered',
      );

    it('reads the payload only for an event that a webhook with a filter would otherwise take', async () => {
      const planner = createDeliveryPlanner({ db: tdb.db, temporal: stack.env.client });
      /** The statements one routing runs (those bound to the event's id: the worker shares the db). */
      const routed = async (eventId: string) => {
        const sql: string[] = [];
        const log = (q: { sql: string; bindings?: unknown[] }) => {
          if (q.bindings?.includes(eventId)) sql.push(q.sql);
        };
        tdb.db.on('query', log);
        try {
          const routing = await planner.route(accountId, eventId);
          return { sql, to: routing?.webhooks.map((w) => w.id) };
        } finally {
          tdb.db.off('query', log);
        }
      };
      const post = async (id: string, type: string, n: number) =>
        (await app.call('POST', '/v1/events', { key, body: { id, type, payload: { n } } })).body.id as string;

      const plain = (await create({ event_type: 'order.*' })).body.id as string;
      // Filtered, but disabled or of another type: they never make the payload worth reading.
      expect((await create({ filter: { 'payload.n': 1 }, enabled: false })).status).toBe(201);
      const shipments = (await create({ event_type: 'shipment.*', filter: { 'payload.n': 1 } })).body.id;
      const order = await post('o-1', 'order.created', 1);
      expect(await routed(order)).toEqual({ sql: [expect.not.stringMatching(/payload/)], to: [plain] });

      // A filter on a webhook the event's type and scope admit: one more read, by primary key.
      const shipment = await post('s-1', 'shipment.created', 1);
      const other = await post('s-2', 'shipment.created', 2);
      const withPayload = [expect.not.stringMatching(/payload/), expect.stringMatching(/payload/)];
      expect(await routed(shipment)).toEqual({ sql: withPayload, to: [shipments] });
      expect(await routed(other)).toEqual({ sql: withPayload, to: [] });
      // Their deliveries end here, not in a later test's receiver.
      for (const eventId of [order, shipment]) await deliveredOnce(eventId);
    });

    it('routes on the filter a PATCH sets, and on none once it is cleared', async () => {
      const id = (await create({})).body.id as string;
      const post = async (eventId: string, n: number) =>
        (
          await app.call('POST', '/v1/events', {
            key,
            body: { id: eventId, type: 'order.created', payload: { n } },
          })
        ).body.id as string;
      await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { filter: { 'payload.n': 2 } } });
      const skipped = await post('p-1', 1);
      await deliveredOnce(await post('p-2', 2));
      expect((await app.call('GET', `/v1/events/${skipped}`, { key })).body.deliveries).toEqual([]);
      await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { filter: null } });
      await deliveredOnce(await post('p-3', 1));
    });

    it('POST /v1/webhooks/{id}/test ignores the filter', async () => {
      const id = (await create({ filter: { 'payload.never': { $exists: true } } })).body.id as string;
      const res = await app.call('POST', `/v1/webhooks/${id}/test?wait=true`, { key });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ webhook_id: id, status: 'delivered' });
      expect(receiver.requests.map((r) => JSON.parse(r.body).event.type)).toEqual(['webhook.test']);
    });
  });

  describe('POST /v1/filters/evaluate', () => {
    const evaluate = (body: unknown, k: string | null = key) =>
      app.call('POST', '/v1/filters/evaluate', { key: k, body });
    const event = {
      type: 'package.status.shipped',
      goods_owner_id: 'GO-1',
      payload: { status: 'shipped', weight: 12.5, lines: [{ sku: 'A-1' }] },
    };

    it.each<[string, unknown, boolean]>([
      ['a literal', { 'payload.status': 'shipped' }, true],
      ['a literal that differs', { 'payload.status': 'packed' }, false],
      ['the event fields', { 'event.type': 'package.status.shipped', 'event.goods_owner_id': 'GO-1' }, true],
      ['an array index', { 'payload.lines.0.sku': { $startsWith: 'A-' } }, true],
      ['a range', { 'payload.weight': { $gt: 10, $lt: 12 } }, false],
      ['a missing path under $ne', { 'payload.missing': { $ne: 1 } }, true],
      ['a missing path under $eq null', { 'payload.missing': { $eq: null } }, false],
      [
        'combinators',
        { $or: [{ 'payload.status': 'packed' }, { $not: { 'payload.weight': { $lt: 10 } } }] },
        true,
      ],
      ['the empty filter', {}, true],
      ['no filter (null)', null, true],
    ])('answers 200 with whether %s matches', async (_what, filter, matches) => {
      const res = await evaluate({ filter, event });
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ matches });
    });

    it('builds the envelope as the send does: the id is event.uuid, occurred_at in UTC, goods owner null by default', async () => {
      const at = {
        type: 'order.created',
        id: 'ord-42',
        occurred_at: '2026-11-23T09:00:00+01:00',
        payload: {},
      };
      const filter = {
        'event.uuid': 'ord-42',
        'event.occurred_at': '2026-11-23T08:00:00.000Z',
        'event.goods_owner_id': null,
      };
      expect((await evaluate({ filter, event: at })).body).toEqual({ matches: true });
      const generated = {
        'event.uuid': { $startsWith: 'evt_' },
        'event.occurred_at': { $gte: '2020-01-01' },
      };
      expect(
        (await evaluate({ filter: generated, event: { type: 'order.created', payload: {} } })).body,
      ).toEqual({
        matches: true,
      });
    });

    it('refuses a bad filter with 422 at its path, and a bad event like POST /v1/events does', async () => {
      const bad = await evaluate({ filter: { $and: [{}, { 'payload.status': { $gt: [] } }] }, event });
      expect(bad.status).toBe(422);
      expect(bad.body.error.details).toEqual([
        { path: 'filter.$and.1.payload.status.$gt', message: FILTER_MESSAGES.comparable },
      ]);
      const badEvent = await evaluate({ filter: {}, event: { type: 'nope', payload: [] } });
      expect(badEvent.status).toBe(422);
      expect(paths(badEvent)).toEqual(['event.type', 'event.payload']);
      expect(paths(await evaluate({ filter: {} }))).toEqual(['event']);
      expect(paths(await evaluate({ filter: {}, event, extra: 1 }))).toEqual(['extra']);
    });

    it('takes an account key only', async () => {
      expect((await evaluate({ filter: {}, event }, null)).status).toBe(401);
      expect((await evaluate({ filter: {}, event }, app.adminKey)).status).toBe(403);
    });
  });
});
