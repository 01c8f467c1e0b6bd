import type { Knex } from 'knex';

/**
 * `api_keys.last_used_at`: when the key last authenticated a request (to the minute), so an
 * operator listing an account's keys can tell a forgotten key from one in use before revoking it.
 */
export async function up(db: Knex): Promise<void> {
  if (!(await db.schema.hasColumn('api_keys', 'last_used_at'))) {
    await db.schema.alterTable('api_keys', (t) => t.timestamp('last_used_at', { useTz: true }));
  }
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('api_keys', (t) => t.dropColumn('last_used_at'));
}
