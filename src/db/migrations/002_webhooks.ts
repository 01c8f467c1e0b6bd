import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('webhooks', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('name');
    t.text('event_type').notNullable();
    t.text('target_url').notNullable();
    t.text('scope').notNullable();
    t.text('goods_owner_id');
    t.text('retry_policy').notNullable();
    t.jsonb('retry_countdown_config');
    t.integer('max_attempts').notNullable();
    t.text('delay');
    t.text('timeout').notNullable();
    t.jsonb('additional_headers');
    // Sealed with the service's secret key (AES-256-GCM); never returned by the API.
    t.text('secret_key_sealed');
    t.text('auth_type');
    t.text('auth_sealed');
    t.text('notify_email');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('disabled_reason');
    // First failure since the last success: five days of it disables the webhook.
    t.timestamp('failing_since', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    // Soft delete: running deliveries look the webhook up and stop; history keeps its id.
    t.timestamp('deleted_at', { useTz: true });
    t.index(['account_id', 'deleted_at']);
  });

  await db.schema.createTable('events', (t) => {
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('id').notNullable();
    t.text('type').notNullable();
    t.text('goods_owner_id');
    t.timestamp('occurred_at', { useTz: true }).notNullable();
    t.jsonb('payload').notNullable();
    // sha256 of the canonical request, for "same id, different body" → 409.
    t.text('request_hash').notNullable();
    t.text('seq').notNullable(); // time-ordered id for listing and cursors
    t.boolean('is_test').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('dispatched_at', { useTz: true });
    t.primary(['account_id', 'id']);
    t.index(['account_id', 'seq']);
  });

  await db.schema.createTable('deliveries', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('event_id').notNullable();
    t.text('webhook_id').notNullable().references('webhooks.id').onDelete('CASCADE');
    t.text('status').notNullable(); // pending | delivered | failed | cancelled
    t.integer('cycle').notNullable().defaultTo(1);
    t.integer('attempt_count').notNullable().defaultTo(0);
    t.timestamp('next_attempt_at', { useTz: true });
    t.text('last_error');
    t.text('workflow_id').notNullable();
    t.boolean('is_test').notNullable().defaultTo(false);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.unique(['account_id', 'event_id', 'webhook_id']);
    t.index(['account_id', 'webhook_id', 'status']);
    t.index(['account_id', 'status']);
  });

  await db.schema.createTable('delivery_attempts', (t) => {
    t.text('delivery_id').notNullable().references('deliveries.id').onDelete('CASCADE');
    t.integer('number').notNullable();
    t.integer('cycle').notNullable();
    t.timestamp('started_at', { useTz: true }).notNullable();
    t.integer('duration_ms').notNullable();
    t.integer('status_code');
    t.text('error');
    t.text('response_body');
    // Activity retries after a crash re-run an attempt: the primary key keeps one row per number.
    t.primary(['delivery_id', 'number']);
  });

  await db.schema.createTable('notifications', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('webhook_id');
    t.text('delivery_id');
    t.text('kind').notNullable(); // delivery_failed | webhook_disabled
    t.text('to').notNullable();
    t.text('subject').notNullable();
    t.text('body').notNullable();
    t.text('status').notNullable(); // recorded | sent | send_failed
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
  });
}

export async function down(db: Knex): Promise<void> {
  for (const table of ['notifications', 'delivery_attempts', 'deliveries', 'events', 'webhooks']) {
    await db.schema.dropTable(table);
  }
}
