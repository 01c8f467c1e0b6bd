// Presentation of channel rows, and the lookup every channel service starts from.
import { toIso } from '../schemas/common';
import type { Db } from '../db/knex';
import { NotFoundError } from '../errors';
import type { ChannelAutomationRow, ChannelRow, ChannelsRepository } from '../repositories/channels';

export interface ChannelView {
  id: string;
  name: string;
  kind: ChannelRow['kind'];
  release: ChannelRow['release'];
  mode: ChannelRow['mode'];
  connector: {
    url: string;
    header_names: string[];
    has_secret_key: boolean;
    old_secret_expires_at: string | null;
  };
  webhook_jobs: ChannelRow['webhook_jobs'];
  recurring_jobs: ChannelRow['recurring_jobs'];
  old_inbound_token_expires_at: string | null;
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
      old_secret_expires_at: toIso(row.old_connector_secret_expires_at),
    },
    webhook_jobs: row.webhook_jobs,
    recurring_jobs: row.recurring_jobs,
    old_inbound_token_expires_at: toIso(row.old_inbound_token_expires_at),
    created_at: toIso(row.created_at) as string,
    updated_at: toIso(row.updated_at) as string,
  };
}

/** A channel of the account, or 404; `lock` holds it (FOR UPDATE) until `trx` ends. */
export async function loadChannel(
  channels: ChannelsRepository,
  accountId: string,
  id: string,
  opts: { trx?: Db; lock?: boolean } = {},
): Promise<ChannelRow> {
  const row = await channels.find(accountId, id, opts);
  if (!row) throw new NotFoundError('channel', id);
  return row;
}

/** Just the fields the Temporal reconciler needs (copies, so later edits cannot alias). */
export function automationOf(row: ChannelRow): ChannelAutomationRow {
  return {
    id: row.id,
    account_id: row.account_id,
    release: row.release,
    mode: row.mode,
    webhook_jobs: { ...row.webhook_jobs },
    recurring_jobs: { ...row.recurring_jobs },
  };
}
