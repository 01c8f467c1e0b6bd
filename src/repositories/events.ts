// The `events` table: one row type and the SQL that reads and writes it.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';
import { purgeBatch } from '../db/purge';
import { newId } from '../ids';
import type { WebhookRow } from './webhooks';

export interface EventRow {
  account_id: string;
  id: string;
  /** Time-ordered id for listing and cursors. */
  seq: string;
  /**
   * Our id for the event (`msg_...`), unique across accounts: the `webhook-id` of every request for
   * it, on every attempt, webhook and cycle. `id` is the client's, unique only within its account.
   */
  message_id: string;
  type: string;
  goods_owner_id: string | null;
  occurred_at: Date;
  payload: Record<string, unknown>;
  /** sha256 of the canonical request, for "same id, different body" → 409. */
  request_hash: string;
  is_test: boolean;
  created_at: Date;
  dispatched_at: Date | null;
  /** The client's ordering key (an order number): lanes of `per_key` webhooks follow it. */
  ordering_key: string | null;
  /** The event's place among the account's events of its key, in acceptance (commit) order. */
  ordering_seq: string | null;
}

/** The event fields a delivery's workflow is labelled with (summary, search attributes). */
export type EventLabels = Pick<EventRow, 'type' | 'goods_owner_id'> & {
  ordering_key?: string | null;
};

/** What routing reads of an event: its labels and its place in its key's order. */
export type RoutedEvent = EventLabels & Pick<EventRow, 'ordering_key' | 'ordering_seq'>;

/** A new event as stored: the payload already serialised; the message id is assigned on insert. */
export type NewEvent = Omit<
  EventRow,
  'payload' | 'message_id' | 'is_test' | 'created_at' | 'dispatched_at' | 'ordering_seq' | 'ordering_key'
> & {
  payload: string;
  ordering_key?: string | null;
};

/** An `ordering_keys` counter row's key: where a retention walk over the counters stands. */
export interface OrderingKeyRef {
  accountId: string;
  orderingKey: string;
}

/** A page of an account's events (test events left out), optionally of one type or goods owner. */
export interface EventListQuery {
  limit: number;
  cursor?: string | undefined;
  type?: string | undefined;
  goods_owner_id?: string | undefined;
}

/** The fields of a live webhook that decide whether an event goes to it. */
export type RoutingWebhook = Pick<
  WebhookRow,
  'id' | 'event_type' | 'scope' | 'goods_owner_id' | 'delay' | 'ordering' | 'filter'
>;

/** What a payload filter needs of an event besides its labels (the rest of its envelope). */
export type FilteredContent = Pick<EventRow, 'occurred_at' | 'payload'>;

export function createEventsRepository(db: Db) {
  /**
   * An event with an ordering key takes the next seq of its key in the same statement: the
   * counter row's lock makes concurrent acceptances of one key commit in seq order. A replay
   * (id taken) uses up a seq; lanes need order, not consecutive numbers.
   */
  async function insertOrdered(row: NewEvent, key: string, conn: Knex): Promise<EventRow | undefined> {
    const { rows } = (await conn.raw(
      `with k as (
         insert into ordering_keys (account_id, ordering_key, last_seq) values (?, ?, 1)
         on conflict (account_id, ordering_key) do update set last_seq = ordering_keys.last_seq + 1
         returning last_seq)
       insert into events (account_id, id, seq, type, goods_owner_id, occurred_at, payload,
                           request_hash, message_id, ordering_key, ordering_seq)
       select ?, ?, ?, ?, ?, ?, ?::jsonb, ?, ?, ?, k.last_seq from k
       on conflict (account_id, id) do nothing
       returning *`,
      [
        row.account_id,
        key,
        row.account_id,
        row.id,
        row.seq,
        row.type,
        row.goods_owner_id,
        row.occurred_at,
        row.payload,
        row.request_hash,
        newId('msg'),
        key,
      ],
    )) as { rows: EventRow[] };
    return rows[0];
  }

  return {
    /**
     * Inserts the event unless its id is taken; undefined when it was (an idempotent replay).
     * `conn` writes inside a caller's transaction (an operational event, with its cause).
     */
    async insertIfNew(row: NewEvent, conn: Knex = db): Promise<EventRow | undefined> {
      if (row.ordering_key) return insertOrdered(row, row.ordering_key, conn);
      const inserted = (await conn('events')
        .insert({ ...row, message_id: newId('msg') })
        .onConflict(['account_id', 'id'])
        .ignore()
        .returning('*')) as EventRow[];
      return inserted[0];
    },

    async insertTest(trx: Knex, row: NewEvent & { dispatched_at: Date }): Promise<void> {
      await trx('events').insert({ ...row, message_id: newId('msg'), is_test: true });
    },

    async find(accountId: string, id: string): Promise<EventRow | undefined> {
      return (await db('events').where({ account_id: accountId, id }).first()) as EventRow | undefined;
    },

    /** What a delivery's workflow is labelled with. */
    async labels(accountId: string, id: string): Promise<EventLabels> {
      return db('events')
        .where({ account_id: accountId, id })
        .first('type', 'goods_owner_id', 'ordering_key');
    },

    /** Marks the event dispatched: every delivery of its plan has a workflow (the API's direct starts). */
    async markDispatched(accountId: string, id: string): Promise<void> {
      await db('events').where({ account_id: accountId, id }).update({ dispatched_at: db.fn.now() });
    },

    async remove(accountId: string, id: string): Promise<void> {
      await db('events').where({ account_id: accountId, id }).delete();
    },

    /** Removes an event whose request failed, with the deliveries it had recorded (one statement). */
    async removeWithDeliveries(accountId: string, id: string): Promise<void> {
      await db.raw(
        `with gone as (delete from deliveries where account_id = ? and event_id = ?)
         delete from events where account_id = ? and id = ?`,
        [accountId, id, accountId, id],
      );
    },

    /**
     * Retention: deletes up to `limit` events accepted before `cutoff` that are dispatched (an
     * undispatched event is work still to do) and have no delivery left, oldest first. Deliveries
     * are purged before their events, each once it has finished before the cutoff, so an event goes
     * once all its deliveries have finished and gone (an event that matched no webhook, at once).
     */
    async purgeSettled(cutoff: Date, limit: number): Promise<number> {
      const { rows } = await purgeBatch(db, {
        table: 'events',
        alias: 'e',
        key: ['account_id', 'id'],
        where: `e.dispatched_at is not null and e.created_at < ?
                and not exists (select 1 from deliveries d where d.account_id = e.account_id and d.event_id = e.id)`,
        bindings: [cutoff],
        orderBy: 'e.created_at',
        limit,
      });
      return rows;
    },

    /**
     * Retention: looks at the next `limit` ordering-key counters after `after` (key order) and
     * deletes those whose key has no event of its account left; `next` is where the next batch
     * starts, null when this one reached the end. One statement, safe against an event of the key
     * accepted meanwhile: that acceptance bumps the counter, and a counter whose `last_seq` is not
     * what this statement read is kept (the new event is invisible to its check). Restarting a
     * key's count is harmless once none of its events remains: lanes only compare seqs of events
     * that exist.
     */
    async purgeUnusedOrderingKeys(
      after: OrderingKeyRef | null,
      limit: number,
    ): Promise<{ deleted: number; next: OrderingKeyRef | null }> {
      const { rows } = (await db.raw(
        `with candidate as (
           select account_id, ordering_key, last_seq from ordering_keys
            ${after ? 'where (account_id, ordering_key) > (?, ?)' : ''}
            order by account_id, ordering_key limit ?
         ), gone as (
           delete from ordering_keys k using candidate c
            where k.account_id = c.account_id and k.ordering_key = c.ordering_key and k.last_seq = c.last_seq
              and not exists (select 1 from events e
                               where e.account_id = c.account_id and e.ordering_key = c.ordering_key)
           returning 1
         ), last as (
           select account_id, ordering_key from candidate order by account_id desc, ordering_key desc limit 1
         )
         select (select count(*) from gone)::int as deleted, (select count(*) from candidate)::int as seen,
                (select account_id from last) as account_id, (select ordering_key from last) as ordering_key`,
        [...(after ? [after.accountId, after.orderingKey] : []), limit],
      )) as { rows: Array<{ deleted: number; seen: number; account_id: string; ordering_key: string }> };
      const row = rows[0]!;
      const next = row.seen < limit ? null : { accountId: row.account_id, orderingKey: row.ordering_key };
      return { deleted: row.deleted, next };
    },

    async list(accountId: string, q: EventListQuery): Promise<Page<EventRow>> {
      const query = db('events').where({ account_id: accountId, is_test: false }).select('*');
      if (q.type) query.where({ type: q.type });
      if (q.goods_owner_id) query.where({ goods_owner_id: q.goods_owner_id });
      return paginate<EventRow>(query, { ...q, column: 'seq' });
    },

    /** Events accepted before `before` whose fan-out never started (a crash between the two steps). */
    async undispatched(
      before: Date,
      limit: number,
    ): Promise<Array<Pick<EventRow, 'account_id' | 'id' | 'type'>>> {
      return (await db('events')
        .whereNull('dispatched_at')
        .where('is_test', false)
        .where('created_at', '<', before)
        .limit(limit)
        .select('account_id', 'id', 'type')) as EventRow[];
    },

    /**
     * The event with its account's live webhooks, in one read (the first of a fan-out's two round
     * trips; see createDeliveriesRepository().recordPlan for the second). undefined: no such event.
     * The payload is not read here (see `filterContent`).
     */
    async withLiveWebhooks(
      accountId: string,
      eventId: string,
    ): Promise<{ event: RoutedEvent; webhooks: RoutingWebhook[] } | undefined> {
      const found = (
        (await db.raw(
          `select e.type, e.goods_owner_id, e.ordering_key, e.ordering_seq,
                  coalesce((select json_agg(json_build_object(
                              'id', w.id, 'event_type', w.event_type, 'scope', w.scope,
                              'goods_owner_id', w.goods_owner_id, 'delay', w.delay,
                              'ordering', w.ordering, 'filter', w.filter))
                              from webhooks w
                             where w.account_id = e.account_id and w.enabled and w.deleted_at is null),
                           '[]'::json) as hooks
             from events e
            where e.account_id = ? and e.id = ?`,
          [accountId, eventId],
        )) as { rows: Array<RoutedEvent & { hooks: unknown }> }
      ).rows[0];
      if (!found) return undefined;
      const webhooks = (
        typeof found.hooks === 'string' ? JSON.parse(found.hooks) : found.hooks
      ) as RoutingWebhook[];
      const { hooks: _, ...event } = found;
      return { event: { ...event, ordering_seq: event.ordering_seq?.toString() ?? null }, webhooks };
    },

    /**
     * What payload filters judge besides an event's labels: routing reads it only for an event that
     * a webhook with a filter would otherwise take. undefined: no such event (removed meanwhile).
     */
    async filterContent(accountId: string, eventId: string): Promise<FilteredContent | undefined> {
      return (await db('events')
        .where({ account_id: accountId, id: eventId })
        .first('occurred_at', 'payload')) as FilteredContent | undefined;
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;
