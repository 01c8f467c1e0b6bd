// The `events` table: one row type and the SQL that reads and writes it.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';
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
}

/** The event fields a delivery's workflow is labelled with (summary, search attributes). */
export type EventLabels = Pick<EventRow, 'type' | 'goods_owner_id'>;

/** A new event as stored: the payload already serialised; the message id is assigned on insert. */
export type NewEvent = Omit<
  EventRow,
  'payload' | 'message_id' | 'is_test' | 'created_at' | 'dispatched_at'
> & {
  payload: string;
};

/** A page of an account's events (test events left out), optionally of one type or goods owner. */
export interface EventListQuery {
  limit: number;
  cursor?: string | undefined;
  type?: string | undefined;
  goods_owner_id?: string | undefined;
}

/** The fields of a live webhook that decide whether an event goes to it. */
export type RoutingWebhook = Pick<WebhookRow, 'id' | 'event_type' | 'scope' | 'goods_owner_id' | 'delay'>;

export function createEventsRepository(db: Db) {
  return {
    /** Inserts the event unless its id is taken; undefined when it was (an idempotent replay). */
    async insertIfNew(row: NewEvent): Promise<EventRow | undefined> {
      const inserted = (await db('events')
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
      return db('events').where({ account_id: accountId, id }).first('type', 'goods_owner_id');
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
     */
    async withLiveWebhooks(
      accountId: string,
      eventId: string,
    ): Promise<{ event: EventLabels; webhooks: RoutingWebhook[] } | undefined> {
      const found = (
        (await db.raw(
          `select e.type, e.goods_owner_id,
                  coalesce((select json_agg(json_build_object(
                              'id', w.id, 'event_type', w.event_type, 'scope', w.scope,
                              'goods_owner_id', w.goods_owner_id, 'delay', w.delay))
                              from webhooks w
                             where w.account_id = e.account_id and w.enabled and w.deleted_at is null),
                           '[]'::json) as hooks
             from events e
            where e.account_id = ? and e.id = ?`,
          [accountId, eventId],
        )) as { rows: Array<{ type: string; goods_owner_id: string | null; hooks: unknown }> }
      ).rows[0];
      if (!found) return undefined;
      const webhooks = (
        typeof found.hooks === 'string' ? JSON.parse(found.hooks) : found.hooks
      ) as RoutingWebhook[];
      return { event: { type: found.type, goods_owner_id: found.goods_owner_id }, webhooks };
    },
  };
}

export type EventsRepository = ReturnType<typeof createEventsRepository>;
