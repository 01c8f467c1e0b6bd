// The `delivery_attempts` table: one row type and the SQL that reads and writes it, including the
// one statement that records a successful attempt.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';

export interface AttemptRow {
  delivery_id: string;
  number: number;
  cycle: number;
  started_at: Date;
  duration_ms: number;
  /** null: no HTTP answer (timeout, connection refused, reset). */
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

export function createDeliveryAttemptsRepository(db: Db) {
  return {
    /** The attempts of these deliveries, by delivery and number. */
    async ofDeliveries(deliveryIds: string[]): Promise<AttemptRow[]> {
      return (await db('delivery_attempts')
        .whereIn('delivery_id', deliveryIds)
        .orderBy(['delivery_id', 'number'])) as AttemptRow[];
    },

    /**
     * Records an attempt once (an attempt run again after a crash keeps the first row); false when
     * it was already recorded.
     */
    async insert(trx: Knex, attempt: AttemptRow): Promise<boolean> {
      const inserted = await trx('delivery_attempts')
        .insert(attempt)
        .onConflict(['delivery_id', 'number'])
        .ignore()
        .returning('number');
      return inserted.length > 0;
    },

    /**
     * A successful attempt, the delivery settled as delivered, and the webhook's failure clock
     * stopped: the common case in one statement (one round trip, no transaction held open across
     * awaits: PGlite has a single connection that every query in the process shares).
     */
    async recordDelivered(attempt: AttemptRow, finishedAt: Date, webhookId: string): Promise<void> {
      await db.raw(
        `with attempt as (
           insert into delivery_attempts
             (delivery_id, number, cycle, started_at, duration_ms, status_code, error, response_body)
           values (?, ?, ?, ?, ?, ?, ?, ?)
           on conflict (delivery_id, number) do nothing
           returning 1
         ), delivery as (
           update deliveries
              set status = 'delivered', attempt_count = attempt_count + (select count(*) from attempt),
                  last_error = null, next_attempt_at = null, finished_at = ?
            where id = ?
           returning 1
         )
         -- Only touches the webhook when it was failing, so busy webhooks do not contend on it.
         update webhooks set failing_since = null
          where id = ? and failing_since is not null and exists (select 1 from delivery)`,
        [
          attempt.delivery_id,
          attempt.number,
          attempt.cycle,
          attempt.started_at,
          attempt.duration_ms,
          attempt.status_code,
          attempt.error,
          attempt.response_body,
          finishedAt,
          attempt.delivery_id,
          webhookId,
        ],
      );
    },
  };
}

export type DeliveryAttemptsRepository = ReturnType<typeof createDeliveryAttemptsRepository>;
