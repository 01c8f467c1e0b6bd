import type { Knex } from 'knex';

/**
 * `events.message_id` (`msg_...`): the `webhook-id` of every request for the event. The client's
 * event id is unique only within its account, so two accounts sending `evt-1` to one receiver were
 * deduplicated into one; the message id is ours, unique across accounts. Idempotent: each step
 * checks what is already there, so a half-applied run (or a rerun) completes without changes.
 */
export async function up(db: Knex): Promise<void> {
  if (!(await db.schema.hasColumn('events', 'message_id'))) {
    await db.schema.alterTable('events', (t) => t.text('message_id'));
  }
  // Existing rows get an id made of their `seq` (newId's 48-bit time + 80 random bits): as unique
  // as `seq` itself, in acceptance order, and computed in one statement however large the table.
  await db.raw(
    `update events set message_id = 'msg_' || substring(seq from position('_' in seq) + 1)
      where message_id is null`,
  );
  await db.raw('alter table events alter column message_id set not null');
  await db.raw('create unique index if not exists events_message_id_unique on events (message_id)');
}

export async function down(db: Knex): Promise<void> {
  await db.raw('drop index if exists events_message_id_unique');
  await db.schema.alterTable('events', (t) => t.dropColumn('message_id'));
}
