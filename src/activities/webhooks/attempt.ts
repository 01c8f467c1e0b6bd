// One delivery attempt, in three typed phases: load (the delivery, its event and webhook, and any
// answer an earlier execution of this attempt already recorded) → send (the signed POST) → record
// (the answer, and what it means for the webhook). A rate-limited webhook's attempt first takes a
// token from the webhook's bucket; without one it is not made (`throttled`). Plus the two
// bookkeeping activities the workflow calls between and after attempts.
import type { Knex } from 'knex';
import { durationMs } from '../../rules/duration';
import type { TakeRequest } from '../../rules/tokenBucket';
import type { RetryPolicy } from '../../rules/retryPolicy';
import {
  afterFailedAttempt,
  describeStop,
  refusalBeforeSending,
  retryAfterFloorMs,
  type StopCause,
} from '../../rules/webhookHealth';
import { createBatchLoader } from '../../db/batch';
import {
  createDeliveriesRepository,
  type ContextKey,
  type DeliveryContext,
} from '../../repositories/deliveries';
import {
  createDeliveryAttemptsRepository,
  type AttemptRow,
  type DeliveredAttempt,
} from '../../repositories/deliveryAttempts';
import { createRateBucketsRepository } from '../../repositories/rateBuckets';
import { createWebhooksRepository } from '../../repositories/webhooks';
import { isOperationalType } from '../../rules/eventTypes';
import { deliveryFailed, webhookDisabled } from '../../rules/operationalEvents';
import { renderEnvelope, webhookRequestHeaders } from '../../webhooks/envelope';
import type { ActivityDeps } from '../deps';
import { openSigningSecrets, sendSigned, type SendResult } from '../http';
import { createActivityOperationalEvents } from '../operationalEvents';
import {
  createNotifier,
  deliveryFailedNotice,
  webhookDisabledNotice,
  type AfterCommit,
} from './notifications';

export interface AttemptInput {
  deliveryId: string;
  number: number;
  cycle: number;
  test: boolean;
  /**
   * Set when asking again after `throttled`: the slot that answer gave (ms since the epoch, on the
   * database's clock). Absent: the attempt has not waited for a token (yet).
   */
  slot?: number;
}

export type AttemptResult =
  | { outcome: 'delivered'; startedAt: number; statusCode: number }
  /** No further attempts: the webhook is unusable (see StopCause). */
  | { outcome: 'stopped'; startedAt: number; cause: StopCause }
  | {
      outcome: 'failed';
      startedAt: number;
      statusCode: number | null;
      error: string;
      retryAfterMs: number | undefined;
      policy: RetryPolicy;
    }
  /**
   * Not attempted: the webhook's rate limit has no token for it now. Not an attempt and not a
   * failure; ask again (with `slot`) in `waitMs`, when its token is expected.
   */
  | { outcome: 'throttled'; slot: number; waitMs: number };

/** What loading an attempt found: an answer already recorded, a refusal, or a request to send. */
type Loaded =
  | { phase: 'recorded'; result: AttemptResult }
  | { phase: 'refused'; ctx: DeliveryContext; startedAt: Date; cause: StopCause }
  | { phase: 'ready'; ctx: DeliveryContext; startedAt: Date };

type Ready = Extract<Loaded, { phase: 'ready' }>;
type Throttled = Extract<AttemptResult, { outcome: 'throttled' }>;

function policyOf(
  row: Pick<DeliveryContext, 'retry_policy' | 'retry_countdown_config' | 'max_attempts'>,
): RetryPolicy {
  if (row.retry_policy === 'countdown') {
    return {
      policy: 'countdown',
      config: row.retry_countdown_config as never,
      maxAttempts: row.max_attempts,
    };
  }
  return { policy: row.retry_policy };
}

/**
 * The outcome of an attempt that was already made and recorded. A local activity runs again when
 * its workflow task does not complete (a worker crash after the attempt, a completion the server
 * refused): the receiver must not get that attempt twice. Only the Retry-After hint is not kept.
 */
function recordedOutcome(
  ctx: DeliveryContext,
  recorded: NonNullable<DeliveryContext['recorded']>,
): AttemptResult {
  const startedAt = new Date(recorded.started_at).getTime();
  const code = recorded.status_code;
  if (code !== null && code >= 200 && code < 300) {
    return { outcome: 'delivered', startedAt, statusCode: code };
  }
  if (code === 410) return { outcome: 'stopped', startedAt, cause: { kind: 'gone' } };
  return {
    outcome: 'failed',
    startedAt,
    statusCode: code,
    error: recorded.error ?? 'failed',
    retryAfterMs: undefined,
    policy: policyOf(ctx),
  };
}

function attemptRow(ready: Ready, input: AttemptInput, sent: SendResult): AttemptRow {
  return {
    delivery_id: ready.ctx.delivery_id,
    number: input.number,
    cycle: input.cycle,
    started_at: ready.startedAt,
    duration_ms: sent.durationMs,
    status_code: sent.statusCode,
    error: sent.error,
    response_body: sent.responseBody,
  };
}

export function createAttemptActivities(deps: ActivityDeps) {
  const { db, secrets, metrics } = deps;
  const deliveries = createDeliveriesRepository(db);
  const attempts = createDeliveryAttemptsRepository(db);
  const webhooks = createWebhooksRepository(db);
  const buckets = createRateBucketsRepository(db);
  const notifier = createNotifier(deps);
  const operational = createActivityOperationalEvents(deps);
  const now = async (): Promise<Date> => (deps.clock ? deps.clock() : new Date());
  // The two statements of a delivered attempt, each batched across the attempts in flight.
  const loadContext = createBatchLoader<ContextKey, DeliveryContext>(
    (keys) => deliveries.loadContexts(db, keys),
    { name: 'loadContexts' },
  );
  const recordDeliveredAttempt = createBatchLoader<DeliveredAttempt, void>(
    async (rows) => {
      await attempts.recordDelivered(rows);
      return rows.map(() => undefined);
    },
    { name: 'recordDelivered' },
  );

  async function load(input: AttemptInput): Promise<Loaded> {
    const ctx = await loadContext({ deliveryId: input.deliveryId, attemptNumber: input.number });
    if (ctx.recorded) return { phase: 'recorded', result: recordedOutcome(ctx, ctx.recorded) };
    const startedAt = await now();
    const cause = refusalBeforeSending({ deleted: ctx.deleted_at !== null, enabled: ctx.enabled });
    return cause ? { phase: 'refused', ctx, startedAt, cause } : { phase: 'ready', ctx, startedAt };
  }

  /**
   * Ends a delivery `failed` in `trx` and, unless it delivers an operational event (no loops),
   * records the switchyard.delivery.failed of this cycle with it (once: a retry inserts nothing).
   */
  async function failDelivery(
    trx: Knex,
    after: AfterCommit,
    ctx: DeliveryContext,
    f: { cycle: number; finishedAt: Date; reason: string | undefined },
  ): Promise<void> {
    const row = await deliveries.finish(
      ctx.delivery_id,
      { status: 'failed', finishedAt: f.finishedAt, lastError: f.reason },
      trx,
    );
    if (!row || isOperationalType(ctx.event_type)) return;
    await operational.record(
      trx,
      after,
      deliveryFailed(
        { accountId: ctx.account_id, goodsOwnerId: ctx.goods_owner_id, occurredAt: f.finishedAt },
        f.cycle,
        {
          delivery_id: ctx.delivery_id,
          event_id: ctx.event_id,
          event_type: ctx.event_type,
          webhook_id: ctx.webhook_id,
          attempts: row.attempt_count,
          last_error: row.last_error,
        },
      ),
    );
  }

  /** A refused attempt settles its delivery on the spot: nothing was sent, nothing follows. */
  async function settleRefused(
    r: Extract<Loaded, { phase: 'refused' }>,
    input: AttemptInput,
  ): Promise<AttemptResult> {
    await notifier.inTransaction((trx, after) =>
      failDelivery(trx, after, r.ctx, {
        cycle: input.cycle,
        finishedAt: r.startedAt,
        reason: describeStop(r.cause),
      }),
    );
    return { outcome: 'stopped', startedAt: r.startedAt.getTime(), cause: r.cause };
  }

  /**
   * A rate-limited webhook's token, taken in one short transaction with the bucket's row lock (every
   * worker process shares it): null when granted, else the `throttled` answer. The delivery is
   * marked as waiting for a token (with its slot as `next_attempt_at`) in the same transaction, and
   * unmarked when its token comes. Read from the context each time, so a changed or removed limit
   * applies at the next ask.
   */
  async function takeToken(
    ctx: DeliveryContext,
    limit: NonNullable<DeliveryContext['rate_limit']>,
    input: AttemptInput,
  ): Promise<Throttled | null> {
    const request: TakeRequest =
      input.slot === undefined ? { kind: 'new' } : { kind: 'waiter', slot: input.slot };
    const rule = { max: limit.max, perMs: durationMs(limit.per) as number };
    return db.transaction(async (trx) => {
      const decision = await buckets.take(trx, ctx.webhook_id, rule, request);
      if (decision.granted) {
        if (ctx.waiting) await deliveries.clearWaiting(trx, ctx.delivery_id);
        return null;
      }
      if (ctx.waiting !== 'token' || decision.slot !== input.slot)
        await deliveries.markWaitingForToken(trx, ctx.delivery_id, new Date(decision.slot));
      return { outcome: 'throttled', slot: decision.slot, waitMs: decision.waitMs };
    });
  }

  async function send({ ctx, startedAt }: Ready, input: AttemptInput): Promise<SendResult> {
    const sent = await sendSigned(deps.http, {
      url: ctx.target_url,
      body: renderEnvelope(ctx),
      // Read here, not passed in by the workflow: recorded histories replay unchanged.
      messageId: ctx.message_id,
      // Both secrets while a rotated-out one is kept, decided at this attempt's own time.
      signingSecrets: openSigningSecrets(
        secrets,
        {
          current: ctx.secret_key_sealed,
          old: ctx.old_secret_key_sealed,
          oldExpiresAt: ctx.old_secret_expires_at,
        },
        startedAt,
      ),
      timeoutMs: durationMs(ctx.timeout) ?? 10_000,
      now: startedAt,
      headers: webhookRequestHeaders({
        eventType: ctx.event_type,
        deliveryId: ctx.delivery_id,
        attempt: input.number,
        additionalHeadersSealed: ctx.additional_headers_sealed,
        auth: ctx.auth_type ? { type: ctx.auth_type, sealed: ctx.auth_sealed as string } : null,
        secrets,
      }),
    });
    metrics.deliveryAttempts.inc({ outcome: sent.ok ? 'delivered' : (sent.errorKind ?? 'failed') });
    return sent;
  }

  async function recordDelivered(
    ready: Ready,
    input: AttemptInput,
    sent: SendResult,
  ): Promise<AttemptResult> {
    const finishedAt = new Date(ready.startedAt.getTime() + sent.durationMs);
    await recordDeliveredAttempt({
      attempt: attemptRow(ready, input, sent),
      finishedAt,
      webhookId: ready.ctx.webhook_id,
    });
    return {
      outcome: 'delivered',
      startedAt: ready.startedAt.getTime(),
      statusCode: sent.statusCode as number,
    };
  }

  /**
   * Disables the webhook because of attempt `number`'s answer: its owner is told, and unless the
   * attempt delivered an operational event (no loops), switchyard.webhook.disabled is recorded.
   */
  async function disableWebhook(
    trx: Knex,
    after: AfterCommit,
    ctx: DeliveryContext,
    attempt: { number: number; at: Date },
    reason: string,
  ) {
    const changed = await webhooks.disable(trx, ctx.webhook_id, reason);
    if (!changed) return;
    if (ctx.notify_email) {
      await notifier.notify(trx, after, ctx, ctx.notify_email, webhookDisabledNotice(ctx, reason));
    }
    if (isOperationalType(ctx.event_type)) return;
    await operational.record(
      trx,
      after,
      // The webhook's matter, not one goods owner's: automation webhooks receive it.
      webhookDisabled(
        { accountId: ctx.account_id, goodsOwnerId: null, occurredAt: attempt.at },
        { deliveryId: ctx.delivery_id, number: attempt.number },
        { webhook_id: ctx.webhook_id, reason },
      ),
    );
  }

  function recordFailed(ready: Ready, input: AttemptInput, sent: SendResult): Promise<AttemptResult> {
    const { ctx, startedAt } = ready;
    return notifier.inTransaction(async (trx, after) => {
      const inserted = await attempts.insert(trx, attemptRow(ready, input, sent));
      await deliveries.countFailedAttempt(trx, ctx.delivery_id, inserted, sent.error);
      const failingSince = ctx.failing_since ?? startedAt;
      if (!ctx.failing_since) await webhooks.markFailing(trx, ctx.webhook_id, startedAt);
      const stop = afterFailedAttempt({
        statusCode: sent.statusCode,
        test: input.test,
        failingSince: new Date(failingSince),
        startedAt,
      });
      if (stop) {
        await disableWebhook(trx, after, ctx, { number: input.number, at: startedAt }, describeStop(stop));
        return { outcome: 'stopped', startedAt: startedAt.getTime(), cause: stop };
      }
      return {
        outcome: 'failed',
        startedAt: startedAt.getTime(),
        statusCode: sent.statusCode,
        error: sent.error ?? 'failed',
        retryAfterMs: retryAfterFloorMs(sent.statusCode, sent.retryAfter, startedAt),
        policy: policyOf(ctx),
      };
    });
  }

  return {
    /** One attempt: POST the signed envelope, record the answer, and settle what follows from it. */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const loaded = await load(input);
      switch (loaded.phase) {
        case 'recorded':
          return loaded.result;
        case 'refused':
          return settleRefused(loaded, input);
        case 'ready': {
          // No statement more for a webhook without a limit. With one, the attempt starts when its
          // token is granted (the time its row records). A test is sent now, as it ignores the
          // delay: an operator's single request, not held behind the queue (nor counted in it).
          const limit = input.test ? null : loaded.ctx.rate_limit;
          let ready: Ready = loaded;
          if (limit) {
            const throttled = await takeToken(loaded.ctx, limit, input);
            if (throttled) return throttled;
            ready = { ...loaded, startedAt: await now() };
          }
          const sent = await send(ready, input);
          return sent.ok ? recordDelivered(ready, input, sent) : recordFailed(ready, input, sent);
        }
      }
    },

    async scheduleRetry(input: { deliveryId: string; nextAttemptAt: number }): Promise<void> {
      await deliveries.scheduleRetry(input.deliveryId, new Date(input.nextAttemptAt));
    },

    /**
     * A delivery ends without success: failed for good (the owner told, switchyard.delivery.failed
     * recorded with it), cancelled, or stopped.
     */
    async finishDelivery(input: {
      deliveryId: string;
      status: 'failed' | 'cancelled';
      cycle: number;
      reason?: string;
    }): Promise<void> {
      const finishedAt = await now();
      await notifier.inTransaction(async (trx, after) => {
        const ctx = await deliveries.loadContext(trx, input.deliveryId);
        if (input.status === 'cancelled') {
          await deliveries.finish(
            input.deliveryId,
            { status: 'cancelled', finishedAt, lastError: input.reason },
            trx,
          );
          return;
        }
        await failDelivery(trx, after, ctx, { cycle: input.cycle, finishedAt, reason: input.reason });
        if (ctx.notify_email) {
          await notifier.notify(trx, after, ctx, ctx.notify_email, deliveryFailedNotice(ctx, input.cycle));
        }
      });
    },
  };
}
