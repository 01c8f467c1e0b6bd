// The `deliveries` table: one row type and the SQL that reads and writes it, including the joined
// read an attempt starts from (for one attempt or a batch of concurrent ones) and the statement that
// records a fan-out's plan.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';
import { purgeBatch } from '../db/purge';
import type { AttemptRow } from './deliveryAttempts';
import type { EventRow } from './events';
import type { WebhookRow } from './webhooks';

export type DeliveryStatusValue = 'pending' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryRow {
  id: string;
  account_id: string;
  event_id: string;
  webhook_id: string;
  status: DeliveryStatusValue;
  cycle: number;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  workflow_id: string;
  is_test: boolean;
  created_at: Date;
  finished_at: Date | null;
  /** Set for a `per_key` webhook's delivery of an event with a key: its lane is (webhook, key). */
  ordering_key: string | null;
  /** The event's place among its account's events of that key (the lane's order). */
  ordering_seq: string | null;
  /** `token`: pending, waiting for its webhook's rate limit (`next_attempt_at`: when it expects it). */
  waiting: 'token' | null;
}

/** A delivery as the API shows it: with the delivery of its lane it waits for, if any. */
export type DeliveryView = DeliveryRow & { waiting_for: string | null };

/**
 * The pending delivery ahead of a waiting one in its lane (same webhook and key, lower seq, first
 * cycle: a resend runs outside the lane); null for a delivery not waiting in a lane.
 */
const WAITING_FOR = `case when d.status = 'pending' and d.cycle = 1 and d.ordering_key is not null then
  (select p.id from deliveries p
    where p.webhook_id = d.webhook_id and p.ordering_key = d.ordering_key
      and p.ordering_seq < d.ordering_seq and p.status = 'pending' and p.cycle = 1
    order by p.ordering_seq desc limit 1) end as waiting_for`;

/** A delivery with its event and the webhook fields an attempt needs, read in one query. */
export type DeliveryContext = Pick<
  WebhookRow,
  | 'target_url'
  | 'retry_policy'
  | 'retry_countdown_config'
  | 'max_attempts'
  | 'timeout'
  | 'additional_headers_sealed'
  | 'secret_key_sealed'
  | 'old_secret_key_sealed'
  | 'old_secret_expires_at'
  | 'auth_type'
  | 'auth_sealed'
  | 'notify_email'
  | 'enabled'
  | 'name'
  | 'deleted_at'
  | 'failing_since'
  | 'rate_limit'
> &
  Pick<DeliveryRow, 'account_id' | 'event_id' | 'webhook_id' | 'waiting'> &
  Pick<EventRow, 'goods_owner_id' | 'occurred_at' | 'payload' | 'message_id'> & {
    delivery_id: DeliveryRow['id'];
    delivery_status: DeliveryRow['status'];
    event_type: EventRow['type'];
    /** This attempt number's recorded answer, when an earlier execution of the attempt got that far. */
    recorded: (Pick<AttemptRow, 'status_code' | 'error'> & { started_at: string }) | null;
  };

/** A page of an account's deliveries, optionally of one webhook, event or status. */
export interface DeliveryListQuery {
  limit: number;
  cursor?: string | undefined;
  webhook_id?: string | undefined;
  event_id?: string | undefined;
  status?: string | undefined;
}

/** One delivery a fan-out records: a matching webhook of the event, with its workflow id. */
export interface NewPlannedDelivery {
  id: string;
  webhookId: string;
  workflowId: string;
  /** The event's ordering key and seq, for a `per_key` webhook (its lane); null otherwise. */
  ordering: { key: string; seq: string } | null;
}

/**
 * Whose turn it is in a lane: its pending first-cycle delivery with the lowest seq; `blocked` when
 * an earlier event of the key is accepted but not yet planned (it may yet add a delivery ahead);
 * `empty` when no delivery of the lane is pending.
 */
export type LaneHead = { kind: 'delivery'; deliveryId: string } | { kind: 'blocked' } | { kind: 'empty' };

/** A recorded delivery of a plan. */
export type PlannedRow = Pick<DeliveryRow, 'id' | 'webhook_id' | 'workflow_id' | 'ordering_key'>;

/** Which delivery an attempt reads, and which attempt's recorded answer it looks for. */
export interface ContextKey {
  deliveryId: string;
  attemptNumber: number;
}

export class DeliveryNotFoundError extends Error {
  constructor(readonly deliveryId: string) {
    super(`delivery ${deliveryId} not found`);
    this.name = 'DeliveryNotFoundError';
  }
}

/**
 * The contexts of several attempts in one read, in the order of `keys`: each delivery with its
 * event and webhook, and the recorded answer of that key's own attempt number; a
 * DeliveryNotFoundError in place of a delivery that does not exist.
 */
async function loadContexts(
  conn: Knex,
  keys: readonly ContextKey[],
): Promise<Array<DeliveryContext | Error>> {
  if (keys.length === 0) return [];
  // Casts: PostgreSQL types a VALUES list's columns from its parameters, which are untyped.
  const values = keys.map(() => '(?::text, ?::int, ?::int)').join(', ');
  const rows = (await conn
    .from(
      conn.raw(
        `(values ${values}) as k (delivery_id, attempt_number, ord)`,
        keys.flatMap((k, i) => [k.deliveryId, k.attemptNumber, i]),
      ),
    )
    .join('deliveries as d', 'd.id', 'k.delivery_id')
    .join('webhooks as w', 'w.id', 'd.webhook_id')
    .join('events as e', function () {
      this.on('e.account_id', '=', 'd.account_id').andOn('e.id', '=', 'd.event_id');
    })
    .select(
      'k.ord',
      'd.id as delivery_id',
      'd.account_id',
      'd.event_id',
      'd.webhook_id',
      'd.status as delivery_status',
      'd.waiting',
      'e.type as event_type',
      'e.goods_owner_id',
      'e.occurred_at',
      'e.payload',
      'e.message_id',
      'w.target_url',
      'w.retry_policy',
      'w.retry_countdown_config',
      'w.max_attempts',
      'w.timeout',
      'w.additional_headers_sealed',
      'w.secret_key_sealed',
      'w.old_secret_key_sealed',
      'w.old_secret_expires_at',
      'w.auth_type',
      'w.auth_sealed',
      'w.notify_email',
      'w.enabled',
      'w.deleted_at',
      'w.failing_since',
      'w.name',
      'w.rate_limit',
      conn.raw(
        `(select json_build_object('status_code', a.status_code, 'error', a.error, 'started_at', a.started_at)
            from delivery_attempts a where a.delivery_id = d.id and a.number = k.attempt_number) as recorded`,
      ),
    )) as Array<DeliveryContext & { ord: number }>;
  const found: Array<DeliveryContext | undefined> = new Array(keys.length);
  for (const { ord, ...row } of rows) found[ord] = row;
  return keys.map((k, i) => found[i] ?? new DeliveryNotFoundError(k.deliveryId));
}

export function createDeliveriesRepository(db: Db) {
  return {
    async find(accountId: string, id: string): Promise<DeliveryRow | undefined> {
      return (await db('deliveries').where({ id, account_id: accountId }).first()) as DeliveryRow | undefined;
    },

    /** A delivery with `waiting_for` (the API's read). */
    async view(accountId: string, id: string): Promise<DeliveryView | undefined> {
      return (await db('deliveries as d')
        .where({ 'd.id': id, 'd.account_id': accountId })
        .first('d.*', db.raw(WAITING_FOR))) as DeliveryView | undefined;
    },

    async list(accountId: string, q: DeliveryListQuery): Promise<Page<DeliveryView>> {
      const query = db('deliveries as d')
        .where({ 'd.account_id': accountId })
        .select('d.*', db.raw(WAITING_FOR));
      if (q.webhook_id) query.where({ 'd.webhook_id': q.webhook_id });
      if (q.event_id) query.where({ 'd.event_id': q.event_id });
      if (q.status) query.where({ 'd.status': q.status });
      return paginate<DeliveryView>(query, { ...q, column: 'd.id', key: 'id' });
    },

    async ofEvent(
      accountId: string,
      eventId: string,
    ): Promise<Array<Pick<DeliveryRow, 'id' | 'webhook_id' | 'status'>>> {
      return (await db('deliveries')
        .where({ account_id: accountId, event_id: eventId })
        .orderBy('id')
        .select('id', 'webhook_id', 'status')) as Array<Pick<DeliveryRow, 'id' | 'webhook_id' | 'status'>>;
    },

    /** Failed, non-test deliveries of a webhook created since `since`, oldest id first. */
    async failedSince(accountId: string, webhookId: string, since: Date): Promise<DeliveryRow[]> {
      return (await db('deliveries')
        .where({ account_id: accountId, webhook_id: webhookId, status: 'failed', is_test: false })
        .where('created_at', '>=', since)
        .orderBy('id')) as DeliveryRow[];
    },

    async insertTest(
      trx: Knex,
      row: Pick<DeliveryRow, 'id' | 'account_id' | 'event_id' | 'webhook_id' | 'workflow_id'>,
    ): Promise<DeliveryRow> {
      const [d] = (await trx('deliveries')
        .insert({ ...row, status: 'pending', is_test: true })
        .returning('*')) as DeliveryRow[];
      return d as DeliveryRow;
    },

    /** Claims a finished delivery for its next cycle; false when someone else resent it first. */
    async claimNextCycle(row: DeliveryRow): Promise<boolean> {
      const claimed = await db('deliveries')
        .where({ id: row.id, cycle: row.cycle, status: row.status })
        .update({ status: 'pending', cycle: row.cycle + 1, finished_at: null, next_attempt_at: null });
      return claimed > 0;
    },

    /** Gives back a claimed cycle whose workflow could not be started. */
    async releaseNextCycle(row: DeliveryRow): Promise<void> {
      await db('deliveries')
        .where({ id: row.id, cycle: row.cycle + 1 })
        .update({ status: row.status, cycle: row.cycle, finished_at: row.finished_at });
    },

    /** Cancels a pending delivery that has no workflow run to tell. */
    async cancelPending(id: string, finishedAt: Date): Promise<void> {
      await db('deliveries')
        .where({ id, status: 'pending' })
        .update({ status: 'cancelled', finished_at: finishedAt, next_attempt_at: null, waiting: null });
    },

    /**
     * Records one pending delivery per planned row, once, marks the event dispatched unless told
     * not to, and answers every delivery of the event (the new ones and those of an earlier,
     * retried plan). One atomic statement: PGlite has one connection, which a transaction would
     * hold across every await.
     */
    async recordPlan(
      accountId: string,
      eventId: string,
      planned: NewPlannedDelivery[],
      opts: { markDispatched: boolean } = { markDispatched: true },
    ): Promise<PlannedRow[]> {
      const values = planned.flatMap((p) => [
        p.id,
        accountId,
        eventId,
        p.webhookId,
        p.workflowId,
        p.ordering?.key ?? null,
        p.ordering?.seq ?? null,
      ]);
      // Rows inserted by the statement are not visible to its own reads: the new ones come from
      // the insert's RETURNING, those of an earlier (retried) plan from the table.
      const inserted = planned.length
        ? `inserted as (
             insert into deliveries
               (id, account_id, event_id, webhook_id, status, workflow_id, ordering_key, ordering_seq)
             values ${planned.map(() => "(?, ?, ?, ?, 'pending', ?, ?::text, ?::bigint)").join(', ')}
             on conflict (account_id, event_id, webhook_id) do nothing
             returning id, webhook_id, workflow_id, ordering_key
           )`
        : '';
      const dispatched = opts.markDispatched
        ? `dispatched as (
             update events set dispatched_at = now() where account_id = ? and id = ? returning 1
           )`
        : '';
      const ctes = [inserted, dispatched].filter(Boolean).join(', ');
      return (
        (await db.raw(
          `${ctes ? `with ${ctes}` : ''}
           ${planned.length ? 'select id, webhook_id, workflow_id, ordering_key from inserted union all' : ''}
           select id, webhook_id, workflow_id, ordering_key from deliveries where account_id = ? and event_id = ?`,
          [...values, ...(opts.markDispatched ? [accountId, eventId] : []), accountId, eventId],
        )) as { rows: PlannedRow[] }
      ).rows;
    },

    /** See LaneHead. One read: the head and whether an unplanned earlier event stands before it. */
    async laneHead(lane: { accountId: string; webhookId: string; orderingKey: string }): Promise<LaneHead> {
      const { accountId, webhookId, orderingKey } = lane;
      const { rows } = (await db.raw(
        `with head as (
           select d.id, d.ordering_seq from deliveries d
            where d.webhook_id = ? and d.ordering_key = ? and d.status = 'pending' and d.cycle = 1
            order by d.ordering_seq limit 1)
         select (select id from head) as id,
                exists (select 1 from events e
                         where e.account_id = ? and e.ordering_key = ? and e.dispatched_at is null
                           and not e.is_test
                           and e.ordering_seq < coalesce((select ordering_seq from head), 9223372036854775807)
                           and not exists (select 1 from deliveries x
                                            where x.account_id = e.account_id and x.event_id = e.id
                                              and x.webhook_id = ?)) as blocked`,
        [webhookId, orderingKey, accountId, orderingKey, webhookId],
      )) as { rows: Array<{ id: string | null; blocked: boolean }> };
      const row = rows[0];
      if (row?.blocked) return { kind: 'blocked' };
      return row?.id ? { kind: 'delivery', deliveryId: row.id } : { kind: 'empty' };
    },

    /** The delivery, its event and webhook, and attempt `attemptNumber`'s recorded answer, in one read. */
    async loadContext(conn: Knex, deliveryId: string, attemptNumber = 0): Promise<DeliveryContext> {
      const [row] = await loadContexts(conn, [{ deliveryId, attemptNumber }]);
      if (row instanceof Error) throw row;
      return row as DeliveryContext;
    },

    loadContexts,

    /**
     * Counts a failed attempt (unless an earlier execution already recorded it) and its error. An
     * attempt was made: the delivery no longer waits for a token (its limit may have been removed).
     */
    async countFailedAttempt(
      trx: Knex,
      id: string,
      newAttempt: boolean,
      error: string | null,
    ): Promise<void> {
      const counted = newAttempt ? trx.raw('attempt_count + 1') : trx.raw('attempt_count');
      await trx('deliveries')
        .where({ id })
        .update({ attempt_count: counted, last_error: error, waiting: null });
    },

    /** A pending delivery waits for its webhook's rate limit, expecting its token at `slotAt`. */
    async markWaitingForToken(conn: Knex, id: string, slotAt: Date): Promise<void> {
      await conn('deliveries')
        .where({ id, status: 'pending' })
        .update({ waiting: 'token', next_attempt_at: slotAt });
    },

    /** A delivery that waited for a token got it: its attempt starts now. */
    async clearWaiting(conn: Knex, id: string): Promise<void> {
      await conn('deliveries').where({ id }).update({ waiting: null, next_attempt_at: null });
    },

    /** The workflow ids of a webhook's pending deliveries that wait for a token. */
    async waitingForToken(webhookId: string): Promise<string[]> {
      const rows = (await db('deliveries')
        .where({ webhook_id: webhookId, status: 'pending', waiting: 'token' })
        .select('workflow_id')) as Array<Pick<DeliveryRow, 'workflow_id'>>;
      return rows.map((r) => r.workflow_id);
    },

    /**
     * Pending deliveries waiting before their next attempt, by reason: `token` (their webhook's
     * rate limit), `lane` (a first-cycle delivery behind a pending one of the same webhook and key).
     */
    async countWaiting(): Promise<{ token: number; lane: number }> {
      const { rows } = (await db.raw(
        `select
           (select count(*) from deliveries where waiting = 'token' and status = 'pending') as token,
           (select count(*) from deliveries d
             where d.status = 'pending' and d.cycle = 1 and d.ordering_key is not null
               and exists (select 1 from deliveries p
                 where p.webhook_id = d.webhook_id and p.ordering_key = d.ordering_key
                   and p.ordering_seq < d.ordering_seq and p.status = 'pending' and p.cycle = 1)) as lane`,
      )) as { rows: Array<{ token: string | number; lane: string | number }> };
      const row = rows[0] as { token: string | number; lane: string | number };
      return { token: Number(row.token), lane: Number(row.lane) };
    },

    async scheduleRetry(id: string, nextAttemptAt: Date): Promise<void> {
      await db('deliveries').where({ id }).update({ status: 'pending', next_attempt_at: nextAttemptAt });
    },

    /**
     * Retention: deletes up to `limit` deliveries that finished (delivered, failed or cancelled)
     * before `cutoff`, oldest first, with their attempts, in one statement. A pending delivery is
     * never touched, nor one resent (pending again) while the statement ran.
     */
    async purgeFinished(cutoff: Date, limit: number): Promise<{ deliveries: number; attempts: number }> {
      const { rows, children } = await purgeBatch(db, {
        table: 'deliveries',
        alias: 'd',
        key: ['id'],
        where: `d.status in ('delivered', 'failed', 'cancelled') and d.finished_at < ?`,
        bindings: [cutoff],
        orderBy: 'd.finished_at',
        limit,
        children: [{ table: 'delivery_attempts', column: 'delivery_id' }],
      });
      return { deliveries: rows, attempts: children[0] ?? 0 };
    },

    /**
     * Ends a delivery without success; `conn` writes inside a caller's transaction. Answers its
     * attempt count and last error as they stand now (undefined: no such delivery).
     */
    async finish(
      id: string,
      f: { status: 'failed' | 'cancelled'; finishedAt: Date; lastError?: string | undefined },
      conn: Knex = db,
    ): Promise<Pick<DeliveryRow, 'attempt_count' | 'last_error'> | undefined> {
      const [row] = (await conn('deliveries')
        .where({ id })
        .update({
          status: f.status,
          next_attempt_at: null,
          waiting: null,
          finished_at: f.finishedAt,
          ...(f.lastError ? { last_error: f.lastError } : {}),
        })
        .returning(['attempt_count', 'last_error'])) as Array<
        Pick<DeliveryRow, 'attempt_count' | 'last_error'>
      >;
      return row;
    },
  };
}

export type DeliveriesRepository = ReturnType<typeof createDeliveriesRepository>;
