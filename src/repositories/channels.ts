// The channels table: its row and its SQL. Connector headers and secret are stored sealed;
// sealing is the caller's (the repository never sees the key).
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';

// Types, not interfaces: the job views hand these out as plain records.
export type WebhookJobSetting = {
  delay: string | null;
  emergency_job_period: string | null;
};

export type RecurringJobSetting = {
  main_job_period: string | null;
  delay: string | null;
  jitter: string | null;
};

export interface ChannelRow {
  id: string;
  account_id: string;
  name: string;
  kind: 'sales' | 'fulfillment';
  release: 'stable' | 'beta';
  mode: 'webhook' | 'recurring';
  connector_url: string;
  connector_headers: string | null;
  connector_secret: string | null;
  webhook_jobs: Record<string, WebhookJobSetting>;
  recurring_jobs: Record<string, RecurringJobSetting>;
  inbound_token_hash: string;
  /** What a rotation replaced, still valid until its expiry (exclusive): sealed, and hashed. */
  old_connector_secret: string | null;
  old_connector_secret_expires_at: Date | null;
  old_inbound_token_hash: string | null;
  old_inbound_token_expires_at: Date | null;
  created_at: Date;
  updated_at: Date;
}

/** What the Temporal reconciler reads of every channel. */
export type ChannelAutomationRow = Pick<
  ChannelRow,
  'id' | 'account_id' | 'release' | 'mode' | 'webhook_jobs' | 'recurring_jobs'
>;

/** The columns a rotation writes (with `connector_secret` and `inbound_token_hash`). */
type Rotated =
  | 'old_connector_secret'
  | 'old_connector_secret_expires_at'
  | 'old_inbound_token_hash'
  | 'old_inbound_token_expires_at';
export type NewChannel = Omit<ChannelRow, 'created_at' | 'updated_at' | Rotated>;
type Connector =
  'connector_headers' | 'connector_secret' | 'old_connector_secret' | 'old_connector_secret_expires_at';
/** A new configuration; the sealed connector columns change only when given. */
export type ChannelChanges = Omit<NewChannel, 'id' | 'account_id' | 'inbound_token_hash' | Connector> &
  Partial<Pick<ChannelRow, Connector>>;
/** A rotation: the new value and the one it keeps, of the connector secret or the inbound token. */
export type ChannelRotation =
  | Pick<ChannelRow, 'connector_secret' | 'old_connector_secret' | 'old_connector_secret_expires_at'>
  | Pick<ChannelRow, 'inbound_token_hash' | 'old_inbound_token_hash' | 'old_inbound_token_expires_at'>;

export interface ChannelFilter {
  limit: number;
  cursor?: string | undefined;
  kind?: ChannelRow['kind'] | undefined;
  release?: ChannelRow['release'] | undefined;
  mode?: ChannelRow['mode'] | undefined;
}

/** The JSON columns go to PostgreSQL as JSON text (knex would write a JS object as a record). */
function jsonColumns<T extends Pick<ChannelRow, 'webhook_jobs' | 'recurring_jobs'>>(row: T) {
  return {
    ...row,
    webhook_jobs: JSON.stringify(row.webhook_jobs),
    recurring_jobs: JSON.stringify(row.recurring_jobs),
  };
}

export function createChannelsRepository(db: Db) {
  return {
    async insert(channel: NewChannel, trx: Db = db): Promise<ChannelRow> {
      const [row] = (await trx('channels').insert(jsonColumns(channel)).returning('*')) as ChannelRow[];
      return row!;
    },

    /** A channel of the account; `lock` holds it (FOR UPDATE) until `trx` ends. */
    async find(
      accountId: string,
      id: string,
      opts: { trx?: Db; lock?: boolean } = {},
    ): Promise<ChannelRow | undefined> {
      const query = (opts.trx ?? db)('channels').where({ id, account_id: accountId }).first();
      return (await (opts.lock ? query.forUpdate() : query)) as ChannelRow | undefined;
    },

    /** Any account's channel: for callers that prove access otherwise (an inbound token, a job run). */
    async findById(id: string, trx: Db = db): Promise<ChannelRow | undefined> {
      return (await trx('channels').where({ id }).first()) as ChannelRow | undefined;
    },

    async list(accountId: string, f: ChannelFilter): Promise<Page<ChannelRow>> {
      const query = db('channels').where({ account_id: accountId }).select('*');
      for (const key of ['kind', 'release', 'mode'] as const) if (f[key]) query.where(key, f[key]);
      return paginate<ChannelRow>(query, f);
    },

    /** The stable channels of an account in recurring mode: the ones its recurring jobs run for. */
    async listStableRecurring(accountId: string): Promise<ChannelRow[]> {
      return (await db('channels')
        .where({ account_id: accountId, release: 'stable', mode: 'recurring' })
        .orderBy('id')) as ChannelRow[];
    },

    async listAutomation(): Promise<ChannelAutomationRow[]> {
      return (await db('channels').select(
        'id',
        'account_id',
        'release',
        'mode',
        'webhook_jobs',
        'recurring_jobs',
      )) as ChannelAutomationRow[];
    },

    /** Replaces the configuration (connector secrets only when given) and stamps updated_at. */
    async update(id: string, changes: ChannelChanges, trx: Db = db): Promise<ChannelRow> {
      const [row] = (await trx('channels')
        .where({ id })
        .update({ ...jsonColumns(changes), updated_at: trx.fn.now() })
        .returning('*')) as ChannelRow[];
      return row!;
    },

    /** Writes a rotation and stamps updated_at. */
    async rotate(id: string, rotation: ChannelRotation, trx: Db = db): Promise<ChannelRow> {
      const [row] = (await trx('channels')
        .where({ id })
        .update({ ...rotation, updated_at: trx.fn.now() })
        .returning('*')) as ChannelRow[];
      return row!;
    },

    async remove(id: string, trx: Db = db): Promise<void> {
      await trx('channels').where({ id }).del();
    },
  };
}

export type ChannelsRepository = ReturnType<typeof createChannelsRepository>;
