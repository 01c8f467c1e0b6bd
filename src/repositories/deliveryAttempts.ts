// The `delivery_attempts` table: one row type and the SQL that reads and writes it, including the
// one statement that records successful attempts (one, or a batch of concurrent ones).
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

/** A successful attempt to record, when its delivery finished, and the webhook it went to. */
export interface DeliveredAttempt {
  attempt: AttemptRow;
  finishedAt: Date;
  webhookId: string;
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
     * Successful attempts, each delivery settled as delivered, and each webhook's failure clock
     * stopped: the common case in one statement for any number of attempts (one round trip, no
     * transaction held open across awaits: PGlite has a single connection that every query in the
     * process shares). Idempotent per attempt: an attempt already recorded (a local activity run
     * again after a crash) keeps its first row and is not counted again.
     */
    async recordDelivered(delivered: readonly DeliveredAttempt[]): Promise<void> {
      if (delivered.length === 0) return;
      // Casts: PostgreSQL types a VALUES list's columns from its parameters, which are untyped.
      const values = delivered
        .map(
          () =>
            '(?::text, ?::int, ?::int, ?::timestamptz, ?::int, ?::int, ?::text, ?::text, ?::timestamptz, ?::text)',
        )
        .join(', ');
      await db.raw(
        `with input (delivery_id, number, cycle, started_at, duration_ms, status_code, error, response_body,
                     finished_at, webhook_id) as (
           values ${values}
         ), attempt as (
           insert into delivery_attempts
             (delivery_id, number, cycle, started_at, duration_ms, status_code, error, response_body)
           select delivery_id, number, cycle, started_at, duration_ms, status_code, error, response_body
             from input
           on conflict (delivery_id, number) do nothing
           returning delivery_id
         ), counted as (
           select delivery_id, count(*) as n from attempt group by delivery_id
         ), delivery as (
           -- One row per delivery (a batch never holds two attempts of one delivery in practice:
           -- a workflow makes them one after another), counting only the attempts inserted now.
           update deliveries d
              set status = 'delivered', attempt_count = d.attempt_count + coalesce(c.n, 0),
                  last_error = null, next_attempt_at = null, waiting = null, finished_at = i.finished_at
             from (select distinct on (delivery_id) delivery_id, finished_at from input
                    order by delivery_id, finished_at desc) i
             left join counted c on c.delivery_id = i.delivery_id
            where d.id = i.delivery_id
           returning d.id
         )
         -- Only touches a webhook when it was failing, so busy webhooks do not contend on it.
         update webhooks set failing_since = null
          where failing_since is not null
            and id in (select i.webhook_id from input i join delivery on delivery.id = i.delivery_id)`,
        delivered.flatMap(({ attempt: a, finishedAt, webhookId }) => [
          a.delivery_id,
          a.number,
          a.cycle,
          a.started_at,
          a.duration_ms,
          a.status_code,
          a.error,
          a.response_body,
          finishedAt,
          webhookId,
        ]),
      );
    },
  };
}

export type DeliveryAttemptsRepository = ReturnType<typeof createDeliveryAttemptsRepository>;
