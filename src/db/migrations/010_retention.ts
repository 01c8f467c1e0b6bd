import type { Knex } from 'knex';

/**
 * Indexes for retention (the daily `switchyard-retention` purge): each of its delete statements
 * takes the oldest purgeable rows of one table, a batch at a time, straight from one of these
 * partial indexes, so a batch stays a short statement however large the table. Their predicates
 * are written exactly as the repositories' statements write them (PostgreSQL uses a partial index
 * only when it can prove the query implies the predicate).
 */
const INDEXES = {
  deliveries_retention: `deliveries (finished_at) where status in ('delivered', 'failed', 'cancelled')`,
  events_retention: `events (created_at) where dispatched_at is not null`,
  job_runs_retention: `job_runs (finished_at) where status in ('succeeded', 'failed')`,
  notifications_retention: `notifications (created_at)`,
} as const;

export async function up(db: Knex): Promise<void> {
  for (const [name, on] of Object.entries(INDEXES))
    await db.raw(`create index if not exists ${name} on ${on}`);
}

export async function down(db: Knex): Promise<void> {
  for (const name of Object.keys(INDEXES)) await db.raw(`drop index if exists ${name}`);
}
