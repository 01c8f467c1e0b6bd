import type { Knex } from 'knex';

/**
 * Contract v2's delivery controls.
 * - `events.ordering_key` and `ordering_seq`: the event's place among its account's events of the
 *   same key, counted per key in `ordering_keys` (the counter row's lock serialises concurrent
 *   acceptances of one key, so seq order is commit order, the order of the 202 answers).
 * - `deliveries.ordering_key` / `ordering_seq`: copied from the event for a `per_key` webhook; the
 *   delivery's lane is (webhook_id, ordering_key), ordered by ordering_seq.
 * - `webhooks.ordering` (`none` | `per_key`) and `webhooks.rate_limit` (`{max, per}` or null).
 */
export async function up(db: Knex): Promise<void> {
  await db.schema.alterTable('events', (t) => {
    t.text('ordering_key');
    t.bigInteger('ordering_seq');
  });
  await db.schema.createTable('ordering_keys', (t) => {
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('ordering_key').notNullable();
    t.bigInteger('last_seq').notNullable();
    t.primary(['account_id', 'ordering_key']);
  });
  await db.schema.alterTable('deliveries', (t) => {
    t.text('ordering_key');
    t.bigInteger('ordering_seq');
  });
  await db.schema.alterTable('webhooks', (t) => {
    t.text('ordering').notNullable().defaultTo('none');
    t.jsonb('rate_limit');
  });
  // A lane's next delivery, and a waiting delivery's predecessor; an event of the key not yet planned.
  await db.raw(
    `create index deliveries_lane on deliveries (webhook_id, ordering_key, ordering_seq)
      where ordering_key is not null`,
  );
  await db.raw(
    `create index events_ordering on events (account_id, ordering_key, ordering_seq)
      where ordering_key is not null`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index if exists events_ordering');
  await db.raw('drop index if exists deliveries_lane');
  await db.schema.alterTable('webhooks', (t) => {
    t.dropColumn('ordering');
    t.dropColumn('rate_limit');
  });
  await db.schema.alterTable('deliveries', (t) => {
    t.dropColumn('ordering_key');
    t.dropColumn('ordering_seq');
  });
  await db.schema.dropTable('ordering_keys');
  await db.schema.alterTable('events', (t) => {
    t.dropColumn('ordering_key');
    t.dropColumn('ordering_seq');
  });
}
