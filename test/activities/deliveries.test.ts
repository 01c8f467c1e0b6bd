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
    return { webhook, ...(await insertDelivery(tdb.db, account, webhook)) };
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
});
