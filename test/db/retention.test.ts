// Retention's purge on the real databases: which rows go and which stay (kinds × ages × states),
// batches, resuming from a heartbeat, and what happens when the API changes a row meanwhile.
import { MockActivityEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createRetentionActivities } from '../../src/activities/retention';
import { loadConfig } from '../../src/config';
import { createLogger } from '../../src/logger';
import { RETENTION_BATCH_SIZE } from '../../src/rules/retention';
import {
  addPurgeCounts,
  noPurgeCounts,
  RETENTION_STEPS,
  type PurgeCounts,
  type PurgeStepInput,
} from '../../src/workflows/retention/contract';
import { SecretBox } from '../../src/secrets';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertWebhook } from '../support/fixtures';

const H = 3_600_000;
const NOW = Date.now();
const CUTOFF = new Date(NOW - 24 * H);
/** Finished (or created) before the cutoff, and after it. */
const OLD = new Date(NOW - 48 * H);
const NEW = new Date(NOW - H);

type Fate = 'gone' | 'kept';

describe.each(testDatabaseKinds())('retention purge on %s', (kind) => {
  let tdb: TestDb;
  const secrets = new SecretBox('retention-test-secret');
  /** What each row's test expects, by table: row key → fate. */
  let fates: Record<string, Map<string, Fate>>;

  beforeAll(async () => {
    tdb = await createTestDb(kind);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });
  beforeEach(async () => {
    // Every table the purge touches references accounts.
    await tdb.db.raw('truncate accounts cascade');
    fates = {};
  });

  const expect_ = (table: string, key: string, fate: Fate) => {
    (fates[table] ??= new Map()).set(key, fate);
  };

  /** Each account's two webhooks, a and b. */
  const webhooks = new Map<string, string>();
  async function account(id: string) {
    await tdb.db('accounts').insert({ id, name: id });
    for (const w of ['a', 'b']) {
      webhooks.set(
        `${id}/${w}`,
        await insertWebhook(tdb.db, secrets, id, { target_url: 'https://example.com/hooks' }),
      );
    }
    return id;
  }

  async function event(
    accountId: string,
    id: string,
    e: { at: Date; dispatched: boolean; key?: string; test?: boolean; fate: Fate },
  ) {
    await tdb.db('events').insert({
      account_id: accountId,
      id,
      seq: `evt_${id}`,
      message_id: `msg_${accountId}_${id}`,
      type: 'package.created',
      occurred_at: e.at,
      payload: '{}',
      request_hash: 'h',
      is_test: e.test ?? false,
      created_at: e.at,
      dispatched_at: e.dispatched ? e.at : null,
      ordering_key: e.key ?? null,
      ordering_seq: e.key ? 1 : null,
    });
    expect_('events', `${accountId}/${id}`, e.fate);
  }

  async function delivery(
    accountId: string,
    eventId: string,
    id: string,
    d: { webhook?: 'a' | 'b'; status: string; finishedAt: Date | null; fate: Fate },
  ) {
    await tdb.db('deliveries').insert({
      id,
      account_id: accountId,
      event_id: eventId,
      webhook_id: webhooks.get(`${accountId}/${d.webhook ?? 'a'}`),
      status: d.status,
      attempt_count: 2,
      workflow_id: `delivery:${eventId}:${id}`,
      created_at: OLD,
      finished_at: d.finishedAt,
    });
    await tdb.db('delivery_attempts').insert(
      [1, 2].map((number) => ({
        delivery_id: id,
        number,
        cycle: 1,
        started_at: OLD,
        duration_ms: 5,
        status_code: 500,
      })),
    );
    expect_('deliveries', id, d.fate);
    for (const n of [1, 2]) expect_('delivery_attempts', `${id}#${n}`, d.fate);
  }

  async function orderingKey(accountId: string, key: string, fate: Fate) {
    await tdb.db('ordering_keys').insert({ account_id: accountId, ordering_key: key, last_seq: 1 });
    expect_('ordering_keys', `${accountId}/${key}`, fate);
  }

  async function jobRun(
    accountId: string,
    id: string,
    r: { status: string; finishedAt: Date | null; fate: Fate },
  ) {
    await tdb.db('job_runs').insert({
      id,
      account_id: accountId,
      channel_id: 'chn_1',
      job_type: 'orders.import',
      trigger: 'manual',
      status: r.status,
      scheduled_for: OLD,
      started_at: r.status === 'pending' ? null : OLD,
      finished_at: r.finishedAt,
      created_at: OLD,
    });
    expect_('job_runs', id, r.fate);
  }

  async function notification(accountId: string, id: string, n: { status: string; at: Date; fate: Fate }) {
    await tdb.db('notifications').insert({
      id,
      account_id: accountId,
      kind: 'delivery_failed',
      to: 'ops@example.com',
      subject: 's',
      body: 'b',
      status: n.status,
      created_at: n.at,
    });
    expect_('notifications', id, n.fate);
  }

  /** The keys of every row now in each table the fates name. */
  async function remaining(): Promise<Record<string, string[]>> {
    const keys = {
      events: "account_id || '/' || id",
      deliveries: 'id',
      delivery_attempts: "delivery_id || '#' || number",
      ordering_keys: "account_id || '/' || ordering_key",
      job_runs: 'id',
      notifications: 'id',
    } as Record<string, string>;
    const out: Record<string, string[]> = {};
    for (const table of Object.keys(fates)) {
      const rows = (await tdb.db(table).select(tdb.db.raw(`${keys[table]} as k`))) as Array<{ k: string }>;
      out[table] = rows.map((r) => r.k).sort();
    }
    return out;
  }

  const kept = () =>
    Object.fromEntries(
      Object.entries(fates).map(([table, m]) => [
        table,
        [...m]
          .filter(([, f]) => f === 'kept')
          .map(([k]) => k)
          .sort(),
      ]),
    );
  const gone = (table: string) => [...(fates[table] ?? [])].filter(([, f]) => f === 'gone').length;

  function activities(opts: { mailing?: boolean } = {}) {
    return createRetentionActivities({
      db: tdb.db,
      logger: createLogger('silent'),
      config: loadConfig({ LOG_LEVEL: 'silent', ...(opts.mailing ? { SMTP_URL: 'smtp://mail:25' } : {}) }),
    });
  }

  /** One step in an activity context; its heartbeats are recorded. */
  async function step(
    input: Omit<PurgeStepInput, 'cutoff' | 'batchSize'> & Partial<PurgeStepInput>,
    opts: { mailing?: boolean; heartbeatDetails?: unknown } = {},
  ): Promise<{ counts: PurgeCounts; heartbeats: unknown[] }> {
    const env = new MockActivityEnvironment(
      opts.heartbeatDetails === undefined ? {} : { heartbeatDetails: opts.heartbeatDetails },
    );
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (d: unknown) => heartbeats.push(structuredClone(d)));
    const counts: PurgeCounts = await env.run(activities(opts).purgeExpired, {
      cutoff: CUTOFF.toISOString(),
      batchSize: RETENTION_BATCH_SIZE,
      ...input,
    });
    return { counts, heartbeats };
  }

  /** Every step in the workflow's order, as one run does. */
  async function purge(opts: { mailing?: boolean; batchSize?: number } = {}): Promise<PurgeCounts> {
    const total = noPurgeCounts();
    for (const s of RETENTION_STEPS) {
      const { batchSize } = opts;
      addPurgeCounts(total, (await step({ step: s, ...(batchSize ? { batchSize } : {}) }, opts)).counts);
    }
    return total;
  }

  it('deletes exactly the rows that finished before the cutoff, and keeps everything pending or newer', async () => {
    const A = await account('acc_a');
    const B = await account('acc_b');

    // [event, accepted, dispatched, ordering key, fate]
    const events: Array<[string, Date, boolean, string | null, Fate]> = [
      ['e-delivered', OLD, true, 'ORD-gone', 'gone'],
      ['e-failed-cancelled', OLD, true, null, 'gone'],
      ['e-finished-recently', OLD, true, null, 'kept'],
      ['e-pending', OLD, true, 'ORD-kept', 'kept'],
      ['e-one-pending', OLD, true, null, 'kept'],
      ['e-resent', OLD, true, null, 'kept'],
      ['e-undispatched', OLD, false, 'ORD-undispatched', 'kept'],
      ['e-no-webhook-old', OLD, true, 'ORD-kept', 'gone'],
      ['e-no-webhook-new', NEW, true, null, 'kept'],
    ];
    // [delivery, its event, webhook, status, finished, fate]; each delivery has two attempts.
    const deliveries: Array<[string, string, 'a' | 'b', string, Date | null, Fate]> = [
      ['d-delivered-old', 'e-delivered', 'a', 'delivered', OLD, 'gone'],
      ['d-failed-old', 'e-failed-cancelled', 'a', 'failed', OLD, 'gone'],
      ['d-cancelled-old', 'e-failed-cancelled', 'b', 'cancelled', OLD, 'gone'],
      ['d-delivered-new', 'e-finished-recently', 'a', 'delivered', NEW, 'kept'],
      ['d-pending', 'e-pending', 'a', 'pending', null, 'kept'],
      ['d-done-beside-pending', 'e-one-pending', 'a', 'delivered', OLD, 'gone'],
      ['d-pending-beside-done', 'e-one-pending', 'b', 'pending', null, 'kept'],
      // A resent delivery is pending again; a stale finished_at does not make it finished.
      ['d-resent', 'e-resent', 'a', 'pending', OLD, 'kept'],
    ];
    for (const [id, at, dispatched, key, fate] of events) {
      await event(A, id, { at, dispatched, ...(key ? { key } : {}), fate });
    }
    for (const [id, eventId, webhook, status, finishedAt, fate] of deliveries) {
      await delivery(A, eventId, id, { webhook, status, finishedAt, fate });
    }
    await event(A, 'e-test', { at: OLD, dispatched: true, test: true, fate: 'gone' });
    await delivery(A, 'e-test', 'd-test', { status: 'delivered', finishedAt: OLD, fate: 'gone' });

    // Ordering-key counters: gone once no event of the key (of that account) remains.
    await orderingKey(A, 'ORD-gone', 'gone');
    await orderingKey(A, 'ORD-kept', 'kept');
    await orderingKey(A, 'ORD-undispatched', 'kept');
    await orderingKey(A, 'ORD-never-stored', 'gone'); // its event's request failed after the count
    await orderingKey(A, 'ORD-shared', 'gone'); // only account B has an event of this key
    await event(B, 'e-shared', { at: NEW, dispatched: true, key: 'ORD-shared', fate: 'kept' });
    await orderingKey(B, 'ORD-shared', 'kept');

    await jobRun(A, 'jrun-succeeded-old', { status: 'succeeded', finishedAt: OLD, fate: 'gone' });
    await jobRun(A, 'jrun-failed-old', { status: 'failed', finishedAt: OLD, fate: 'gone' });
    await jobRun(A, 'jrun-succeeded-new', { status: 'succeeded', finishedAt: NEW, fate: 'kept' });
    await jobRun(A, 'jrun-failed-new', { status: 'failed', finishedAt: NEW, fate: 'kept' });
    await jobRun(A, 'jrun-pending', { status: 'pending', finishedAt: null, fate: 'kept' });
    await jobRun(A, 'jrun-running', { status: 'running', finishedAt: null, fate: 'kept' });

    await notification(A, 'ntf-sent-old', { status: 'sent', at: OLD, fate: 'gone' });
    await notification(A, 'ntf-send-failed-old', { status: 'send_failed', at: OLD, fate: 'gone' });
    // No SMTP server: recording is all that ever happens to a notification.
    await notification(A, 'ntf-recorded-old', { status: 'recorded', at: OLD, fate: 'gone' });
    await notification(A, 'ntf-sent-new', { status: 'sent', at: NEW, fate: 'kept' });

    const counts = await purge();
    expect(await remaining()).toEqual(kept());
    expect(counts).toEqual({
      deliveries: gone('deliveries'),
      attempts: gone('delivery_attempts'),
      events: gone('events'),
      orderingKeys: gone('ordering_keys'),
      jobRuns: gone('job_runs'),
      notifications: gone('notifications'),
    });
    expect(counts).toEqual({
      deliveries: 5,
      attempts: 10,
      events: 4,
      orderingKeys: 3,
      jobRuns: 2,
      notifications: 3,
    });

    // A second run finds nothing more.
    expect(await purge()).toEqual(noPurgeCounts());
  });

  it('keeps a recorded notification while an SMTP server is configured (its mail is on its way)', async () => {
    const A = await account('acc_a');
    await notification(A, 'ntf-recorded-old', { status: 'recorded', at: OLD, fate: 'kept' });
    await notification(A, 'ntf-sent-old', { status: 'sent', at: OLD, fate: 'gone' });
    await notification(A, 'ntf-send-failed-old', { status: 'send_failed', at: OLD, fate: 'gone' });
    const { counts } = await step({ step: 'notifications' }, { mailing: true });
    expect(counts.notifications).toBe(2);
    expect(await remaining()).toEqual(kept());
  });

  it('purges more rows than one batch, a short statement per batch, heartbeating after each', async () => {
    const A = await account('acc_a');
    const n = 2 * RETENTION_BATCH_SIZE + 234;
    // n old delivered deliveries, each of its own event with its own key, one attempt each; and
    // one pending delivery among them.
    await tdb.db.raw(
      `insert into events (account_id, id, seq, message_id, type, occurred_at, payload, request_hash,
                           created_at, dispatched_at, ordering_key, ordering_seq)
       select ?, 'e' || i, 'evt_' || i, 'msg_' || i, 'package.created', ?, '{}', 'h', ?, ?, 'K' || i, 1
         from generate_series(1, ?) i`,
      [A, OLD, OLD, OLD, n + 1],
    );
    await tdb.db.raw(
      `insert into ordering_keys (account_id, ordering_key, last_seq)
       select ?, 'K' || i, 1 from generate_series(1, ?) i`,
      [A, n + 1],
    );
    await tdb.db.raw(
      `insert into deliveries (id, account_id, event_id, webhook_id, status, workflow_id, created_at, finished_at)
       select 'd' || i, ?, 'e' || i, ?, case when i = ? then 'pending' else 'delivered' end, 'w' || i, ?,
              case when i = ? then null else ?::timestamptz end
         from generate_series(1, ?) i`,
      [A, webhooks.get(`${A}/a`)!, n + 1, OLD, n + 1, OLD, n + 1],
    );
    await tdb.db.raw(
      `insert into delivery_attempts (delivery_id, number, cycle, started_at, duration_ms, status_code)
       select 'd' || i, 1, 1, ?, 5, 200 from generate_series(1, ?) i`,
      [OLD, n + 1],
    );
    const statements: string[] = [];
    const onQuery = (q: { sql: string }) => statements.push(q.sql);
    tdb.db.on('query', onQuery);
    try {
      const deliveries = await step({ step: 'deliveries' });
      expect(deliveries.counts).toMatchObject({ deliveries: n, attempts: n });
      // 500, 500, 234: the short third batch ends the step.
      expect(deliveries.heartbeats.map((h) => (h as { counts: PurgeCounts }).counts.deliveries)).toEqual([
        500,
        1000,
        n,
      ]);
      expect(statements.filter((s) => s.includes('delete from deliveries'))).toHaveLength(3);

      const events = await step({ step: 'events' });
      expect(events.counts.events).toBe(n);
      expect(events.heartbeats).toHaveLength(3);

      // The counters are walked in key order, 500 at a time, however many go.
      const keys = await step({ step: 'orderingKeys' });
      expect(keys.counts.orderingKeys).toBe(n);
      expect(keys.heartbeats).toHaveLength(3);
    } finally {
      tdb.db.off('query', onQuery);
    }
    expect(await tdb.db('deliveries').pluck('id')).toEqual([`d${n + 1}`]);
    expect(await tdb.db('events').pluck('id')).toEqual([`e${n + 1}`]);
    expect(await tdb.db('ordering_keys').pluck('ordering_key')).toEqual([`K${n + 1}`]);
    expect(await tdb.db('delivery_attempts').pluck('delivery_id')).toEqual([`d${n + 1}`]);
  });

  it('a retried step resumes its counts and its walk from the last heartbeat', async () => {
    const A = await account('acc_a');
    for (const key of ['K1', 'K2', 'K3', 'K4']) await orderingKey(A, key, key === 'K1' ? 'kept' : 'gone');
    // The first execution got as far as K1 (and deleted 7 rows of some kind) before it was lost.
    const resumed = await step(
      { step: 'orderingKeys', batchSize: 2 },
      {
        heartbeatDetails: {
          counts: { ...noPurgeCounts(), orderingKeys: 7 },
          after: { accountId: A, orderingKey: 'K1' },
        },
      },
    );
    expect(resumed.counts.orderingKeys).toBe(7 + 3);
    expect(resumed.heartbeats).toEqual([
      { counts: { ...noPurgeCounts(), orderingKeys: 9 }, after: { accountId: A, orderingKey: 'K3' } },
      { counts: { ...noPurgeCounts(), orderingKeys: 10 }, after: null },
    ]);
    expect(await remaining()).toEqual(kept());
  });

  // PostgreSQL only: it needs two open transactions at once, and PGlite has one connection (a second
  // transaction would queue behind the first instead of meeting its locks). CI runs both kinds.
  it.runIf(kind === 'postgres')(
    'a row the API is changing meanwhile stays: a delivery being resent, a key whose event is being accepted',
    async () => {
      const A = await account('acc_a');
      await event(A, 'e-old', { at: OLD, dispatched: true, fate: 'kept' });
      await delivery(A, 'e-old', 'd-resent', { status: 'failed', finishedAt: OLD, fate: 'kept' });
      await orderingKey(A, 'ORD-1', 'kept'); // its events are all gone: until one more is accepted
      const trx = await tdb.db.transaction();
      try {
        // A resend claims the delivery's next cycle (createDeliveriesRepository().claimNextCycle)
        // and an event of ORD-1 is accepted (insertIfNew's counter bump and insert); neither has
        // committed when the purge runs.
        await trx('deliveries')
          .where({ id: 'd-resent' })
          .update({ status: 'pending', cycle: 2, finished_at: null });
        await trx.raw(
          `update ordering_keys set last_seq = last_seq + 1 where account_id = ? and ordering_key = ?`,
          [A, 'ORD-1'],
        );
        await trx('events').insert({
          account_id: A,
          id: 'e-new',
          seq: 'evt_new',
          message_id: 'msg_new',
          type: 'package.created',
          occurred_at: NEW,
          payload: '{}',
          request_hash: 'h',
          ordering_key: 'ORD-1',
          ordering_seq: 2,
        });
        expect_('events', `${A}/e-new`, 'kept');
        const deliveries = await step({ step: 'deliveries' });
        expect(deliveries.counts.deliveries).toBe(0); // locked: skipped
        const keys = step({ step: 'orderingKeys' });
        // The counter's delete waits for the acceptance, then sees last_seq moved on, and keeps it.
        await new Promise((r) => setTimeout(r, 200));
        await trx.commit();
        expect((await keys).counts.orderingKeys).toBe(0);
      } catch (err) {
        await trx.rollback();
        throw err;
      }
      expect(await remaining()).toEqual(kept());
      expect(await tdb.db('ordering_keys').where({ ordering_key: 'ORD-1' }).first('last_seq')).toEqual({
        last_seq: '2',
      });
    },
  );
});
