import type { Knex } from 'knex';

export async function up(db: Knex): Promise<void> {
  await db.schema.createTable('channels', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('name').notNullable();
    t.text('kind').notNullable(); // sales | fulfillment
    t.text('release').notNullable(); // stable | beta
    t.text('mode').notNullable(); // webhook | recurring
    t.text('connector_url').notNullable();
    // Sealed with SecretBox: connector headers usually carry credentials too.
    t.text('connector_headers');
    t.text('connector_secret');
    t.jsonb('webhook_jobs').notNullable().defaultTo('{}');
    t.jsonb('recurring_jobs').notNullable().defaultTo('{}');
    // sha256 of the inbound token: it has 120+ bits of randomness, like API keys.
    t.text('inbound_token_hash').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['account_id', 'release', 'mode']);
  });

  // Account-level recurring jobs: they run for every stable channel of the account in recurring mode.
  await db.schema.createTable('account_recurring_jobs', (t) => {
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    t.text('job_type').notNullable();
    t.boolean('enabled').notNullable();
    t.text('period');
    t.text('shift');
    t.text('jitter');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.primary(['account_id', 'job_type']);
  });

  await db.schema.createTable('job_runs', (t) => {
    t.text('id').primary();
    t.text('account_id').notNullable().references('accounts.id').onDelete('CASCADE');
    // No foreign key: the run log outlives a deleted channel.
    t.text('channel_id').notNullable();
    t.text('job_type').notNullable();
    t.text('trigger').notNullable(); // webhook | recurring | emergency | manual
    t.text('status').notNullable(); // pending | running | succeeded | failed
    t.timestamp('scheduled_for', { useTz: true });
    t.timestamp('started_at', { useTz: true });
    t.timestamp('finished_at', { useTz: true });
    t.timestamp('next_attempt_at', { useTz: true });
    t.integer('attempts').notNullable().defaultTo(0);
    t.integer('status_code');
    t.jsonb('result');
    t.text('error');
    // Bodies of the inbound webhooks that triggered (or joined) this run.
    t.jsonb('trigger_payloads').notNullable().defaultTo('[]');
    t.integer('trigger_count').notNullable().defaultTo(0);
    t.integer('payload_bytes').notNullable().defaultTo(0);
    t.text('workflow_id');
    // Makes run creation inside a retried activity idempotent (workflow run id + what it is for).
    t.text('origin').unique();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(db.fn.now());
    t.index(['account_id', 'id']);
    t.index(['channel_id', 'job_type', 'status']);
  });
  // At most one webhook run per (channel, job type) waits out its delay: later webhooks join it.
  await db.raw(
    `create unique index job_runs_one_pending_webhook on job_runs (channel_id, job_type)
     where trigger = 'webhook' and status = 'pending'`,
  );
}

export async function down(db: Knex): Promise<void> {
  await db.schema.dropTable('job_runs');
  await db.schema.dropTable('account_recurring_jobs');
  await db.schema.dropTable('channels');
}
