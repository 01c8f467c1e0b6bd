// Row shapes and presentation of channels, shared by the channel services.
import { toIso } from '../schemas/common';
import type { Db } from '../db/knex';
import { NotFoundError } from '../errors';
import type { ChannelAutomation } from './automation';

export interface ChannelRow extends ChannelAutomation {
  name: string;
  kind: 'sales' | 'fulfillment';
  connector_url: string;
  connector_headers: string | null;
  connector_secret: string | null;
  recurring_jobs: Record<
    string,
    { main_job_period: string | null; delay: string | null; jitter: string | null }
  >;
  inbound_token_hash: string;
  created_at: Date;
  updated_at: Date;
}

export interface ChannelView {
  id: string;
  name: string;
  kind: 'sales' | 'fulfillment';
  release: 'stable' | 'beta';
  mode: 'webhook' | 'recurring';
  connector: { url: string; header_names: string[]; has_secret_key: boolean };
  webhook_jobs: ChannelRow['webhook_jobs'];
  recurring_jobs: ChannelRow['recurring_jobs'];
  created_at: string;
  updated_at: string;
}

/** Secrets stay sealed: the view names the headers but never shows a value or the secret key. */
export function presentChannel(row: ChannelRow, headerNames: string[]): ChannelView {
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    release: row.release,
    mode: row.mode,
    connector: {
      url: row.connector_url,
      header_names: headerNames,
      has_secret_key: row.connector_secret !== null,
    },
    webhook_jobs: row.webhook_jobs,
    recurring_jobs: row.recurring_jobs,
    created_at: toIso(row.created_at) as string,
    updated_at: toIso(row.updated_at) as string,
  };
}

export async function loadChannel(db: Db, accountId: string, id: string, lock = false): Promise<ChannelRow> {
  const query = db('channels').where({ id, account_id: accountId }).first();
  const row = (await (lock ? query.forUpdate() : query)) as ChannelRow | undefined;
  if (!row) throw new NotFoundError('channel', id);
  return row;
}

/** Just the fields the Temporal reconciler needs (copies, so later edits cannot alias). */
export function automationOf(row: ChannelRow): ChannelAutomation {
  return {
    id: row.id,
    account_id: row.account_id,
    release: row.release,
    mode: row.mode,
    webhook_jobs: { ...row.webhook_jobs },
    recurring_jobs: { ...row.recurring_jobs },
  };
}
