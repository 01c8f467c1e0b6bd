// The `rate_buckets` table: one token bucket per rate-limited webhook, shared by every worker
// process. A take is one short transaction: the upsert that returns the bucket also locks its row,
// so concurrent takes for one webhook, from any process, queue on that lock and see each other's
// result; src/rules/tokenBucket.ts decides, on the database's clock (one clock for every worker).
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import {
  takeToken,
  type BucketState,
  type RateLimitRule,
  type TakeDecision,
  type TakeRequest,
} from '../rules/tokenBucket';

export interface RateBucketRow {
  webhook_id: string;
  /** Tokens at `refilled_at`, 0..max. */
  tokens: number;
  refilled_at: Date;
  /** The latest slot handed to a waiting delivery; null: none since the bucket was created. */
  tail_at: Date | null;
}

export function createRateBucketsRepository(db: Db) {
  return {
    /**
     * Decides one take for the webhook inside `trx` (which it must be: the row stays locked until
     * `trx` ends, so keep the rest of it short) and stores the bucket's new state. A missing bucket
     * is created full.
     */
    async take(
      trx: Knex.Transaction,
      webhookId: string,
      limit: RateLimitRule,
      request: TakeRequest,
    ): Promise<TakeDecision> {
      const { rows } = (await trx.raw(
        `insert into rate_buckets (webhook_id, tokens, refilled_at) values (?, ?, clock_timestamp())
         on conflict (webhook_id) do update set webhook_id = excluded.webhook_id
         returning tokens, refilled_at, tail_at, clock_timestamp() as now`,
        [webhookId, limit.max],
      )) as { rows: Array<Omit<RateBucketRow, 'webhook_id'> & { now: Date }> };
      const row = rows[0] as Omit<RateBucketRow, 'webhook_id'> & { now: Date };
      const prev: BucketState = {
        tokens: Number(row.tokens),
        at: new Date(row.refilled_at).getTime(),
        tail: row.tail_at ? new Date(row.tail_at).getTime() : null,
      };
      const decision = takeToken(prev, limit, new Date(row.now).getTime(), request);
      if (decision.state !== prev) {
        await trx('rate_buckets')
          .where({ webhook_id: webhookId })
          .update({
            tokens: decision.state.tokens,
            refilled_at: new Date(decision.state.at),
            tail_at: decision.state.tail === null ? null : new Date(decision.state.tail),
          });
      }
      return decision;
    },

    /** Forgets the webhook's bucket (its limit changed): the next take starts from a full one. */
    async reset(webhookId: string, conn: Knex = db): Promise<void> {
      await conn('rate_buckets').where({ webhook_id: webhookId }).delete();
    },
  };
}

export type RateBucketsRepository = ReturnType<typeof createRateBucketsRepository>;
