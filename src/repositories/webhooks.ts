// The `webhooks` table: one row type and the SQL that reads and writes it.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';
import type { Filter } from '../rules/filter';

export interface WebhookRow {
  id: string;
  account_id: string;
  name: string | null;
  event_type: string;
  target_url: string;
  scope: 'regular' | 'automation';
  goods_owner_id: string | null;
  retry_policy: 'none' | 'one_day' | 'countdown';
  retry_countdown_config: unknown;
  max_attempts: number;
  delay: string | null;
  timeout: string;
  /** The additional headers as one sealed JSON object (src/webhooks/headers.ts): values are credentials. */
  additional_headers_sealed: string | null;
  secret_key_sealed: string | null;
  /** The secret a rotation replaced, still signed with until `old_secret_expires_at` (exclusive). */
  old_secret_key_sealed: string | null;
  old_secret_expires_at: Date | null;
  auth_type: 'basic' | 'bearer' | null;
  auth_sealed: string | null;
  notify_email: string | null;
  enabled: boolean;
  disabled_reason: string | null;
  /** First failure since the last success: five days of it disables the webhook. */
  failing_since: Date | null;
  created_at: Date;
  updated_at: Date;
  /** Soft delete: running deliveries look the webhook up and stop. */
  deleted_at: Date | null;
  /** `per_key`: deliveries of events sharing an ordering key go through a lane, in order. */
  ordering: 'none' | 'per_key';
  /** At most `max` attempts per `per` (a duration), across every worker; null: unlimited. */
  rate_limit: { max: number; per: string } | null;
  /** A payload filter (src/rules/filter.ts): only events it admits get a delivery; null: every event. */
  filter: Filter | null;
}

/** A page of an account's live webhooks, optionally of one event type or enabled state. */
export interface WebhookListQuery {
  limit: number;
  cursor?: string | undefined;
  event_type?: string | undefined;
  enabled?: boolean | undefined;
}

/** A new webhook as stored: JSON columns already serialised, secrets already sealed. */
export type NewWebhook = Omit<
  WebhookRow,
  | 'retry_countdown_config'
  | 'rate_limit'
  | 'filter'
  | 'old_secret_key_sealed'
  | 'old_secret_expires_at'
  | 'disabled_reason'
  | 'failing_since'
  | 'created_at'
  | 'updated_at'
  | 'deleted_at'
> & { retry_countdown_config: string | null; rate_limit: string | null; filter: string | null };

export function createWebhooksRepository(db: Db) {
  return {
    /**
     * A live (not deleted) webhook of the account; `conn` reads inside a caller's transaction, and
     * `lock` holds the row (FOR UPDATE) until it ends.
     */
    async find(
      accountId: string,
      id: string,
      conn: Knex = db,
      lock = false,
    ): Promise<WebhookRow | undefined> {
      const query = conn('webhooks').where({ id, account_id: accountId }).whereNull('deleted_at').first();
      return (await (lock ? query.forUpdate() : query)) as WebhookRow | undefined;
    },

    async insert(row: NewWebhook): Promise<WebhookRow> {
      const [created] = (await db('webhooks').insert(row).returning('*')) as WebhookRow[];
      return created as WebhookRow;
    },

    async update(trx: Knex, id: string, changes: Record<string, unknown>): Promise<WebhookRow> {
      const [row] = (await trx('webhooks').where({ id }).update(changes).returning('*')) as WebhookRow[];
      return row as WebhookRow;
    },

    /** Soft delete; false when there was no live webhook to delete. */
    async softDelete(accountId: string, id: string): Promise<boolean> {
      const n = await db('webhooks')
        .where({ id, account_id: accountId })
        .whereNull('deleted_at')
        .update({ deleted_at: db.fn.now(), enabled: false, updated_at: db.fn.now() });
      return n > 0;
    },

    async list(accountId: string, q: WebhookListQuery): Promise<Page<WebhookRow>> {
      const query = db('webhooks').where({ account_id: accountId }).whereNull('deleted_at').select('*');
      if (q.event_type !== undefined) query.where({ event_type: q.event_type });
      if (q.enabled !== undefined) query.where({ enabled: q.enabled });
      return paginate<WebhookRow>(query, q);
    },

    /** Starts the five-day failure clock unless it already runs. */
    async markFailing(trx: Knex, id: string, since: Date): Promise<void> {
      await trx('webhooks').where({ id }).whereNull('failing_since').update({ failing_since: since });
    },

    /** Disables an enabled webhook; false when it already was disabled (nothing to tell). */
    async disable(trx: Knex, id: string, reason: string): Promise<boolean> {
      const changed = await trx('webhooks')
        .where({ id, enabled: true })
        .update({ enabled: false, disabled_reason: reason, updated_at: trx.fn.now() });
      return changed > 0;
    },
  };
}

export type WebhooksRepository = ReturnType<typeof createWebhooksRepository>;
