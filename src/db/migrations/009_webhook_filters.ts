import type { Knex } from 'knex';

/**
 * Contract v2's payload filters: `webhooks.filter`, a JSON filter (src/rules/filter.ts) or null (the
 * webhook takes every event its type and scope admit). Routing reads it with the account's live
 * webhooks, and reads an event's payload only when one of them has a filter.
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('webhooks', (t) => {
    t.jsonb('filter');
  });
}

export async function down(db: Knex): Promise<void> {
  await db.schema.alterTable('webhooks', (t) => {
    t.dropColumn('filter');
  });
}
