import type { Knex } from 'knex';

/**
 * Contract v2's rate limit per webhook.
 * - `rate_buckets`: one token bucket per rate-limited webhook (src/rules/tokenBucket.ts), shared by
 *   every worker process through the database; a take locks its row. Deleting the row resets it.
 * - `deliveries.waiting`: `token` while a pending delivery waits for its webhook's rate limit (its
 *   `next_attempt_at` is when it expects the token); cleared when the attempt is made or the
 *   delivery ends. The partial index finds a webhook's waiting deliveries (to wake them when the
 *   limit changes) and counts them (the `switchyard_deliveries_waiting` gauge).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('rate_buckets', (t) => {
    t.text('webhook_id').primary().references('webhooks.id').onDelete('CASCADE');
    t.double('tokens').notNullable();
    t.timestamp('refilled_at', { useTz: true }).notNullable();
    t.timestamp('tail_at', { useTz: true });
  });
  await db.schema.alterTable('deliveries', (t) => {
    t.text('waiting');
  });
  await db.raw('create index deliveries_waiting on deliveries (webhook_id) where waiting is not null');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index if exists deliveries_waiting');
  await db.schema.alterTable('deliveries', (t) => {
    t.dropColumn('waiting');
  });
  await db.schema.dropTable('rate_buckets');
}
