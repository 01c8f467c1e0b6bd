import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { Agent } from 'undici';
import { createActivities, type Activities } from '../../src/activities';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { SecretBox } from '../../src/secrets';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertAccount, insertDelivery, insertWebhook } from '../support/fixtures';
import { Receiver } from '../support/receiver';
import { RecordingMailer } from '../support/worker';

// A local activity runs again when its workflow task does not complete (a worker crash after the
// attempt, a completion the server refused). These tests run one attempt twice, as that does.
describe.each(testDatabaseKinds())('an attempt run again on %s', (kind) => {
  let tdb: TestDb;
  let receiver: Receiver;
  let activities: Activities;
  let status = 200;
  const secrets = new SecretBox('attempt-activity-test');
  const http = new Agent({ keepAliveTimeout: 1000 });

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    receiver = await Receiver.start((_req, res) => {
      res.writeHead(status).end();
    });
    activities = createActivities({
      db: tdb.db,
      logger: createLogger('silent'),
      metrics: createMetrics(),
      secrets,
      temporal: undefined as never, // attempts never talk to Temporal
      config: loadConfig({ SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'silent' }),
      http,
      mailer: new RecordingMailer(),
    });
  });
  beforeEach(() => {
    receiver.requests.length = 0;
  });
  afterAll(async () => {
    await http.close();
    await receiver?.close();
    await tdb?.destroy();
  });

  const delivery = async (w: { retry_policy?: 'none' | 'one_day' } = {}) => {
    const account = await insertAccount(tdb.db);
    const webhook = await insertWebhook(tdb.db, secrets, account, { target_url: receiver.url, ...w });
    return { account, webhook, ...(await insertDelivery(tdb.db, account, webhook)) };
  };

  it.each([
    [200, 'delivered'],
    [500, 'failed'],
    [410, 'stopped'],
  ] as const)('an answered %i is not sent again and gives the same %s outcome', async (code, outcome) => {
    status = code;
    const { deliveryId } = await delivery({ retry_policy: 'one_day' });
    const input = { deliveryId, number: 1, cycle: 1, test: false };
    const first = await activities.attemptDelivery(input);
    status = 200; // a second request would now succeed: it must not be made at all
    const again = await activities.attemptDelivery(input);

    expect(receiver.requests).toHaveLength(1);
    expect(first.outcome).toBe(outcome);
    expect(again).toEqual(first.outcome === 'failed' ? { ...first, retryAfterMs: undefined } : first);
    const row = await tdb.db('deliveries').where({ id: deliveryId }).first();
    expect(row.attempt_count).toBe(1);
  });

  it('the next attempt number is sent as usual', async () => {
    status = 500;
    const { deliveryId } = await delivery({ retry_policy: 'one_day' });
    await activities.attemptDelivery({ deliveryId, number: 1, cycle: 1, test: false });
    status = 200;
    const second = await activities.attemptDelivery({ deliveryId, number: 2, cycle: 1, test: false });
    expect(second.outcome).toBe('delivered');
    expect(receiver.requests.map((r) => r.headers['x-switchyard-attempt'])).toEqual(['1', '2']);
  });

  it('concurrent attempts read their contexts in one statement and are each recorded once', async () => {
    status = 200;
    const ds = await Promise.all(Array.from({ length: 8 }, () => delivery()));
    const statements: string[] = [];
    const onQuery = (q: { sql: string }) => statements.push(q.sql);
    tdb.db.on('query', onQuery);
    try {
      const results = await Promise.all(
        ds.map((d, i) =>
          activities.attemptDelivery({
            deliveryId: d.deliveryId,
            number: 1 + (i % 3),
            cycle: 1,
            test: false,
          }),
        ),
      );
      expect(results.map((r) => r.outcome)).toEqual(ds.map(() => 'delivered'));
    } finally {
      tdb.db.removeListener('query', onQuery);
    }
    expect(statements.filter((sql) => sql.includes('as k (delivery_id, attempt_number, ord)'))).toHaveLength(
      1,
    );
    // Webhooks without a rate limit never touch a bucket.
    expect(statements.filter((sql) => sql.includes('rate_buckets'))).toEqual([]);
    // The records follow the answers as they come: one statement per batch, at most one per attempt.
    expect(statements.length).toBeLessThanOrEqual(1 + ds.length);
    const rows = await tdb
      .db('deliveries')
      .whereIn(
        'id',
        ds.map((d) => d.deliveryId),
      )
      .select('status', 'attempt_count');
    expect(rows).toEqual(ds.map(() => ({ status: 'delivered', attempt_count: 1 })));
    expect(receiver.requests).toHaveLength(ds.length);
  });

  describe('to a rate-limited webhook', () => {
    /** `n` pending deliveries to one webhook limited to `rate_limit`. */
    const limited = async (rate_limit: { max: number; per: string }, n: number) => {
      const first = await delivery();
      await tdb
        .db('webhooks')
        .where({ id: first.webhook })
        .update({ rate_limit: JSON.stringify(rate_limit) });
      const rest = [];
      for (let i = 1; i < n; i++) rest.push(await insertDelivery(tdb.db, first.account, first.webhook));
      return { webhook: first.webhook, ids: [first, ...rest].map((d) => d.deliveryId) };
    };
    const attempt = (deliveryId: string, slot?: number) =>
      activities.attemptDelivery({ deliveryId, number: 1, cycle: 1, test: false, ...(slot ? { slot } : {}) });
    const row = (id: string) =>
      tdb.db('deliveries').where({ id }).first('status', 'attempt_count', 'waiting', 'next_attempt_at');
    const attemptRows = async (id: string) => tdb.db('delivery_attempts').where({ delivery_id: id });

    it('without a token: throttled, no attempt, the delivery waits with its slot; a reset lets it through', async () => {
      status = 200;
      const { webhook, ids } = await limited({ max: 1, per: '1h' }, 2);
      const [a, b] = ids as [string, string];
      expect((await attempt(a)).outcome).toBe('delivered');
      const denied = await attempt(b);
      if (denied.outcome !== 'throttled') throw new Error(`expected throttled, got ${denied.outcome}`);
      expect(denied.waitMs).toBeGreaterThan(3_590_000);
      expect(denied.waitMs).toBeLessThanOrEqual(3_600_000);
      expect(receiver.requests).toHaveLength(1);
      expect(await attemptRows(b)).toEqual([]);
      expect(await row(b)).toEqual({
        status: 'pending',
        attempt_count: 0,
        waiting: 'token',
        next_attempt_at: new Date(denied.slot),
      });
      // Back early (a capped sleep): the same slot, nothing sent.
      expect(await attempt(b, denied.slot)).toMatchObject({ outcome: 'throttled', slot: denied.slot });
      // The limit changed: the webhooks service resets the bucket, and the waiter starts over.
      await tdb.db('rate_buckets').where({ webhook_id: webhook }).delete();
      expect((await attempt(b, denied.slot)).outcome).toBe('delivered');
      expect(await row(b)).toMatchObject({ status: 'delivered', attempt_count: 1, waiting: null });
      expect(receiver.requests).toHaveLength(2);
    });

    it('a limit removed while a delivery waits: the attempt is made at once and ends the wait', async () => {
      status = 500;
      const { webhook, ids } = await limited({ max: 1, per: '1h' }, 2);
      const [a, b] = ids as [string, string];
      await attempt(a);
      const denied = await attempt(b);
      expect(await row(b)).toMatchObject({ waiting: 'token' });
      await tdb.db('webhooks').where({ id: webhook }).update({ rate_limit: null });
      expect(await attempt(b, denied.outcome === 'throttled' ? denied.slot : undefined)).toMatchObject({
        outcome: 'failed',
      });
      expect(await row(b)).toMatchObject({ status: 'pending', attempt_count: 1, waiting: null });
    });

    it('a waiter back at its slot (on the database clock) gets its token', async () => {
      status = 200;
      const { ids } = await limited({ max: 2, per: '1s' }, 3);
      const outcomes = [];
      for (const id of ids) outcomes.push(await attempt(id));
      expect(outcomes.map((o) => o.outcome)).toEqual(['delivered', 'delivered', 'throttled']);
      const denied = outcomes[2] as Extract<(typeof outcomes)[number], { outcome: 'throttled' }>;
      expect(denied.waitMs).toBeGreaterThan(0); // a token every 500 ms, less the time since the first take
      expect(denied.waitMs).toBeLessThanOrEqual(500);
      await new Promise((r) => setTimeout(r, denied.waitMs + 5));
      expect((await attempt(ids[2] as string, denied.slot)).outcome).toBe('delivered');
    });

    it('concurrent takes share the bucket: max granted, the others get distinct slots', async () => {
      status = 200;
      const { ids } = await limited({ max: 3, per: '1h' }, 10);
      const outcomes = await Promise.all(ids.map((id) => attempt(id)));
      expect(outcomes.filter((o) => o.outcome === 'delivered')).toHaveLength(3);
      const slots = outcomes
        .flatMap((o) => (o.outcome === 'throttled' ? [o.slot] : []))
        .sort((x, y) => x - y);
      expect(slots).toHaveLength(7);
      // One token every 20 minutes: the waiters are spaced that far apart, no two at one instant.
      for (let i = 1; i < slots.length; i++)
        expect((slots[i] as number) - (slots[i - 1] as number)).toBe(1_200_000);
      expect(receiver.requests).toHaveLength(3);
    });
  });
});
