// The two statements of a delivered attempt, batched across concurrent attempts (src/db/batch.ts)
// on the real databases: the joined context read and the success record.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createBatchLoader } from '../../src/db/batch';
import {
  createDeliveriesRepository,
  DeliveryNotFoundError,
  type ContextKey,
  type DeliveryContext,
} from '../../src/repositories/deliveries';
import {
  createDeliveryAttemptsRepository,
  type AttemptRow,
  type DeliveredAttempt,
} from '../../src/repositories/deliveryAttempts';
import { SecretBox } from '../../src/secrets';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertAccount, insertDelivery, insertWebhook } from '../support/fixtures';

describe.each(testDatabaseKinds())('batched attempt statements on %s', (kind) => {
  let tdb: TestDb;
  let deliveries: ReturnType<typeof createDeliveriesRepository>;
  let attempts: ReturnType<typeof createDeliveryAttemptsRepository>;
  const secrets = new SecretBox('delivery-batches-test');
  const statements: string[] = [];

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    deliveries = createDeliveriesRepository(tdb.db);
    attempts = createDeliveryAttemptsRepository(tdb.db);
    tdb.db.on('query', (q: { sql: string }) => statements.push(q.sql));
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  /** Counts the statements `fn` sends. */
  async function counting<T>(fn: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
    statements.length = 0;
    const result = await fn();
    return { result, statements: [...statements] };
  }

  const webhookOf = async (account: string, failingSince: Date | null = null) => {
    const id = await insertWebhook(tdb.db, secrets, account, { target_url: 'https://example.com/hooks' });
    if (failingSince) await tdb.db('webhooks').where({ id }).update({ failing_since: failingSince });
    return id;
  };

  const attemptRow = (deliveryId: string, number: number, over: Partial<AttemptRow> = {}): AttemptRow => ({
    delivery_id: deliveryId,
    number,
    cycle: 1,
    started_at: new Date('2026-11-29T10:00:00.000Z'),
    duration_ms: 12,
    status_code: 200,
    error: null,
    response_body: 'ok',
    ...over,
  });

  const contextLoader = () =>
    createBatchLoader<ContextKey, DeliveryContext>((keys) => deliveries.loadContexts(tdb.db, keys));
  const recordLoader = () =>
    createBatchLoader<DeliveredAttempt, void>(async (rows) => {
      await attempts.recordDelivered(rows);
      return rows.map(() => undefined);
    });

  it('concurrent context reads: one statement, each caller its own row and attempt, a missing delivery rejects only its caller', async () => {
    const account = await insertAccount(tdb.db);
    const webhook = await webhookOf(account);
    const a = await insertDelivery(tdb.db, account, webhook, { payload: { n: 'a' } });
    const b = await insertDelivery(tdb.db, account, webhook, { payload: { n: 'b' } });
    // a's attempt 1 failed with a 500 and b's attempt 2 got a 200 before a crash.
    await tdb
      .db('delivery_attempts')
      .insert([
        attemptRow(a.deliveryId, 1, { status_code: 500, error: 'HTTP 500', response_body: null }),
        attemptRow(b.deliveryId, 2, { started_at: new Date('2026-11-29T11:00:00.000Z') }),
      ]);
    const load = contextLoader();

    const keys: ContextKey[] = [
      { deliveryId: a.deliveryId, attemptNumber: 1 },
      { deliveryId: a.deliveryId, attemptNumber: 2 },
      { deliveryId: 'dlv_missing', attemptNumber: 1 },
      { deliveryId: b.deliveryId, attemptNumber: 1 },
      { deliveryId: b.deliveryId, attemptNumber: 2 },
    ];
    const { result, statements: sent } = await counting(() => Promise.allSettled(keys.map((k) => load(k))));

    expect(sent).toHaveLength(1);
    expect(result.map((r) => r.status)).toEqual([
      'fulfilled',
      'fulfilled',
      'rejected',
      'fulfilled',
      'fulfilled',
    ]);
    const missing = (result[2] as PromiseRejectedResult).reason as Error;
    expect(missing).toBeInstanceOf(DeliveryNotFoundError);
    expect(missing.message).toBe('delivery dlv_missing not found');
    const rows = result.map((r) => (r.status === 'fulfilled' ? r.value : null));
    expect(rows.map((r) => r && [r.delivery_id, r.payload])).toEqual([
      [a.deliveryId, { n: 'a' }],
      [a.deliveryId, { n: 'a' }],
      null,
      [b.deliveryId, { n: 'b' }],
      [b.deliveryId, { n: 'b' }],
    ]);
    expect(rows.map((r) => r && r.recorded && [r.recorded.status_code, r.recorded.error])).toEqual([
      [500, 'HTTP 500'],
      null,
      null,
      null,
      [200, null],
    ]);
    expect(new Date(rows[4]!.recorded!.started_at).toISOString()).toBe('2026-11-29T11:00:00.000Z');
    expect(rows[0]).toMatchObject({
      account_id: account,
      event_id: a.eventId,
      webhook_id: webhook,
      delivery_status: 'pending',
      event_type: 'package.created',
      target_url: 'https://example.com/hooks',
      enabled: true,
      failing_since: null,
    });
    expect(rows[0]).not.toHaveProperty('ord');
  });

  it('a read of one delivery answers as the single-row read does', async () => {
    const account = await insertAccount(tdb.db);
    const webhook = await webhookOf(account);
    const { deliveryId } = await insertDelivery(tdb.db, account, webhook);
    const load = contextLoader();
    const { result, statements: sent } = await counting(() => load({ deliveryId, attemptNumber: 3 }));
    expect(sent).toHaveLength(1);
    expect(result).toEqual(await deliveries.loadContext(tdb.db, deliveryId, 3));
    await expect(deliveries.loadContext(tdb.db, 'dlv_missing')).rejects.toThrow(
      'delivery dlv_missing not found',
    );
  });

  it('concurrent success records: one statement, every delivery delivered and counted once, failing webhooks cleared', async () => {
    const account = await insertAccount(tdb.db);
    const failing = await webhookOf(account, new Date('2026-11-28T00:00:00.000Z'));
    const healthy = await webhookOf(account);
    const ds = await Promise.all(
      [failing, failing, healthy, healthy, healthy].map((w) => insertDelivery(tdb.db, account, w)),
    );
    // The third delivery failed twice before: its third attempt succeeds now.
    await tdb
      .db('deliveries')
      .where({ id: ds[2]!.deliveryId })
      .update({ attempt_count: 2, last_error: 'HTTP 500' });
    const numbers = [1, 1, 3, 1, 1];
    const record = recordLoader();
    const rows: DeliveredAttempt[] = ds.map((d, i) => ({
      attempt: attemptRow(d.deliveryId, numbers[i]!, { duration_ms: 10 + i }),
      finishedAt: new Date(Date.UTC(2026, 10, 29, 10, 0, i)),
      webhookId: i < 2 ? failing : healthy,
    }));

    const { statements: sent } = await counting(() => Promise.all(rows.map((r) => record(r))));

    expect(sent).toHaveLength(1);
    const after = await tdb
      .db('deliveries')
      .whereIn(
        'id',
        ds.map((d) => d.deliveryId),
      )
      .select('id', 'status', 'attempt_count', 'last_error', 'next_attempt_at', 'finished_at');
    const byId = new Map(after.map((r) => [r.id, r]));
    ds.forEach((d, i) => {
      const row = byId.get(d.deliveryId);
      expect(row).toMatchObject({
        status: 'delivered',
        attempt_count: i === 2 ? 3 : 1,
        last_error: null,
        next_attempt_at: null,
      });
      expect(new Date(row.finished_at).toISOString()).toBe(rows[i]!.finishedAt.toISOString());
    });
    const recorded = await attempts.ofDeliveries(ds.map((d) => d.deliveryId));
    expect(recorded.map((r) => [r.delivery_id, r.number, r.duration_ms, r.status_code])).toEqual(
      ds
        .map((d, i) => [d.deliveryId, numbers[i], 10 + i, 200])
        .sort((x, y) => String(x[0]).localeCompare(String(y[0]))),
    );
    const hooks = await tdb.db('webhooks').whereIn('id', [failing, healthy]).select('id', 'failing_since');
    expect(hooks.map((h) => h.failing_since)).toEqual([null, null]);
  });

  it('an attempt recorded before (a local activity run again) is not counted twice, beside new ones', async () => {
    const account = await insertAccount(tdb.db);
    const webhook = await webhookOf(account);
    const again = await insertDelivery(tdb.db, account, webhook);
    const fresh = await insertDelivery(tdb.db, account, webhook);
    const first: DeliveredAttempt = {
      attempt: attemptRow(again.deliveryId, 1, { duration_ms: 5 }),
      finishedAt: new Date('2026-11-29T10:00:00.005Z'),
      webhookId: webhook,
    };
    const record = recordLoader();
    await record(first);

    // The re-run sent nothing (its load found the answer), but a crash between the statement and the
    // workflow task's completion can still bring the same row again: it must change nothing twice.
    const rerun = { ...first, attempt: { ...first.attempt, duration_ms: 99 } };
    const { statements: sent } = await counting(() =>
      Promise.all([
        record(rerun),
        record({ attempt: attemptRow(fresh.deliveryId, 1), finishedAt: new Date(), webhookId: webhook }),
      ]),
    );
    expect(sent).toHaveLength(1);
    const rows = await tdb
      .db('deliveries')
      .whereIn('id', [again.deliveryId, fresh.deliveryId])
      .orderBy('id')
      .select('id', 'status', 'attempt_count');
    expect(rows).toEqual(
      [
        { id: again.deliveryId, status: 'delivered', attempt_count: 1 },
        { id: fresh.deliveryId, status: 'delivered', attempt_count: 1 },
      ].sort((x, y) => x.id.localeCompare(y.id)),
    );
    const kept = await attempts.ofDeliveries([again.deliveryId]);
    expect(kept.map((r) => [r.number, r.duration_ms])).toEqual([[1, 5]]);

    // Twice in one batch: one row, one count.
    const twice = await insertDelivery(tdb.db, account, webhook);
    const row: DeliveredAttempt = {
      attempt: attemptRow(twice.deliveryId, 1),
      finishedAt: new Date(),
      webhookId: webhook,
    };
    await Promise.all([record(row), record(row)]);
    expect(await tdb.db('deliveries').where({ id: twice.deliveryId }).first('attempt_count')).toEqual({
      attempt_count: 1,
    });
  });

  it('a record whose row fails the batch is retried alone: only its own caller rejects', async () => {
    const account = await insertAccount(tdb.db);
    const webhook = await webhookOf(account, new Date('2026-11-28T00:00:00.000Z'));
    const ds = await Promise.all([0, 1].map(() => insertDelivery(tdb.db, account, webhook)));
    const record = recordLoader();
    const rows: DeliveredAttempt[] = [
      { attempt: attemptRow(ds[0]!.deliveryId, 1), finishedAt: new Date(), webhookId: webhook },
      // No such delivery: the attempt's foreign key fails the whole statement.
      { attempt: attemptRow('dlv_missing', 1), finishedAt: new Date(), webhookId: webhook },
      { attempt: attemptRow(ds[1]!.deliveryId, 1), finishedAt: new Date(), webhookId: webhook },
    ];

    const { result, statements: sent } = await counting(() => Promise.allSettled(rows.map((r) => record(r))));

    expect(result.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(String((result[1] as PromiseRejectedResult).reason)).toMatch(/foreign key/);
    expect(sent).toHaveLength(4); // the batch, then each row on its own
    const after = await tdb
      .db('deliveries')
      .whereIn(
        'id',
        ds.map((d) => d.deliveryId),
      )
      .select('status', 'attempt_count');
    expect(after).toEqual([
      { status: 'delivered', attempt_count: 1 },
      { status: 'delivered', attempt_count: 1 },
    ]);
    expect(await tdb.db('webhooks').where({ id: webhook }).first('failing_since')).toEqual({
      failing_since: null,
    });
  });
});
