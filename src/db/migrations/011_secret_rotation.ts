import type { Knex } from 'knex';

/**
 * Contract v2's secret rotation with overlap: the value a rotation replaced, kept until an instant.
 * - `webhooks.old_secret_key_sealed` / `old_secret_expires_at`: the previous signing secret (sealed).
 * - `channels.old_connector_secret` / `old_connector_secret_expires_at`: the previous connector
 *   secret (sealed), and `old_inbound_token_hash` / `old_inbound_token_expires_at`: the previous
 *   inbound token (its sha256, like the current one).
 * Whether an old value still counts is decided at each use (src/rules/secretRotation.ts), so an
 * expired one may stay in its column until the next rotation or secret change clears it.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('webhooks', (t) => {
    t.text('old_secret_key_sealed');
    t.timestamp('old_secret_expires_at', { useTz: true });
  });
  await db.schema.alterTable('channels', (t) => {
    t.text('old_connector_secret');
    t.timestamp('old_connector_secret_expires_at', { useTz: true });
    t.text('old_inbound_token_hash');
    t.timestamp('old_inbound_token_expires_at', { useTz: true });
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('channels', (t) => {
    t.dropColumn('old_connector_secret');
    t.dropColumn('old_connector_secret_expires_at');
    t.dropColumn('old_inbound_token_hash');
    t.dropColumn('old_inbound_token_expires_at');
  });
  await db.schema.alterTable('webhooks', (t) => {
    t.dropColumn('old_secret_key_sealed');
    t.dropColumn('old_secret_expires_at');
  });
}
