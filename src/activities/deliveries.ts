import { createHash } from 'node:crypto';
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Knex } from 'knex';
import type { ActivityDeps } from './deps';
import type { WebhookRow } from '../services/webhooks';
import { sendSigned } from './http';
import { matchesPattern } from '../rules/eventTypes';
import { durationMs } from '../rules/duration';
import type { RetryPolicy } from '../rules/retryPolicy';
import {
  afterFailedAttempt,
  describeStop,
  refusalBeforeSending,
  retryAfterFloorMs,
  type StopCause,
} from '../rules/webhookHealth';
import { renderEnvelope, webhookRequestHeaders } from '../webhooks/envelope';
import { newId } from '../ids';
import { TASK_QUEUE, ids } from '../constants';
import { deliveryAttributes } from '../searchAttributes';
import type { DeliverInput } from '../workflows/webhooks/deliverWebhook';

/** Delivery workflows one fan-out starts at a time. */
const START_CONCURRENCY = 16;

export interface PlannedDelivery {
  deliveryId: string;
  webhookId: string;
  workflowId: string;
  delayMs: number | null;
}

export interface Plan {
  accountId: string;
  eventId: string;
  eventType: string;
  goodsOwnerId: string | null;
  deliveries: PlannedDelivery[];
  /** Whether workflows carry the Switchyard search attributes (off on servers without them). */
  searchAttributes: boolean;
}

export interface AttemptInput {
  deliveryId: string;
  number: number;
  cycle: number;
  test: boolean;
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
    };

/** A delivery with its event and the webhook fields an attempt needs, read in one query. */
type DeliveryContext = Pick<
  WebhookRow,
  | 'target_url'
  | 'retry_policy'
  | 'retry_countdown_config'
  | 'max_attempts'
  | 'timeout'
  | 'additional_headers'
  | 'secret_key_sealed'
  | 'auth_type'
  | 'auth_sealed'
  | 'notify_email'
  | 'enabled'
  | 'name'
> & {
  deleted_at: Date | null;
  failing_since: Date | null;
  delivery_id: string;
  account_id: string;
  event_id: string;
  webhook_id: string;
  delivery_status: string;
  event_type: string;
  goods_owner_id: string | null;
  occurred_at: Date;
  payload: Record<string, unknown>;
  /** This attempt number's recorded answer, when an earlier execution of the attempt got that far. */
  recorded: { status_code: number | null; error: string | null; started_at: string } | null;
};

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

function notificationId(kind: string, key: string): string {
  return `ntf_${createHash('sha256').update(`${kind}:${key}`).digest('hex').slice(0, 24)}`;
}

export function createDeliveryActivities(deps: ActivityDeps) {
  const { db, secrets, logger, metrics } = deps;
  const now = async (): Promise<Date> => (deps.clock ? deps.clock() : new Date());

  type AfterCommit = Array<() => void>;

  /** Records a notification; the mail goes out after the transaction commits (see AfterCommit). */
  async function notify(
    trx: Knex,
    after: AfterCommit,
    n: {
      accountId: string;
      webhookId: string;
      deliveryId: string | null;
      kind: string;
      to: string;
      subject: string;
      body: string;
      key: string;
    },
  ): Promise<void> {
    const id = notificationId(n.kind, n.key);
    const inserted = await trx('notifications')
      .insert({
        id,
        account_id: n.accountId,
        webhook_id: n.webhookId,
        delivery_id: n.deliveryId,
        kind: n.kind,
        to: n.to,
        subject: n.subject,
        body: n.body,
        status: 'recorded',
      })
      .onConflict('id')
      .ignore()
      .returning('id');
    if (inserted.length === 0) return; // already told (activity retried)
    // An SMTP outage must neither lose the record nor fail or slow the delivery.
    after.push(() => {
      // Nobody awaits this chain (the delivery has moved on), so it must end in a handler that
      // cannot reject: a rejection here would be unhandled and could end the all-in-one process.
      void deps.mailer
        .send({ to: n.to, subject: n.subject, text: n.body })
        .then(
          async (status) => {
            if (status === 'sent') await db('notifications').where({ id }).update({ status: 'sent' });
          },
          async (err: Error) => {
            logger.warn({ err, notification: id }, 'notification mail failed');
            await db('notifications').where({ id }).update({ status: 'send_failed', error: err.message });
          },
        )
        .catch((err: unknown) => {
          logger.warn({ err, notification: id }, 'notification send status not recorded');
        });
    });
  }

  async function inTransaction<T>(fn: (trx: Knex, after: AfterCommit) => Promise<T>): Promise<T> {
    const after: AfterCommit = [];
    const result = await db.transaction((trx) => fn(trx, after));
    for (const f of after) f();
    return result;
  }

  async function disableWebhook(
    trx: Knex,
    after: AfterCommit,
    ctx: DeliveryContext,
    reason: string,
  ): Promise<void> {
    const changed = await trx('webhooks')
      .where({ id: ctx.webhook_id, enabled: true })
      .update({ enabled: false, disabled_reason: reason, updated_at: trx.fn.now() });
    if (changed && ctx.notify_email) {
      await notify(trx, after, {
        accountId: ctx.account_id,
        webhookId: ctx.webhook_id,
        deliveryId: null,
        kind: 'webhook_disabled',
        key: `${ctx.webhook_id}:${ctx.delivery_id}`,
        to: ctx.notify_email,
        subject: `Switchyard webhook ${ctx.name ?? ctx.webhook_id} was disabled`,
        body: `The webhook ${ctx.webhook_id} (${ctx.target_url}) was disabled: ${reason}.\nRe-enable it with PATCH /v1/webhooks/${ctx.webhook_id} {"enabled": true} and resend failed deliveries with POST /v1/webhooks/${ctx.webhook_id}/recover.`,
      });
    }
  }

  async function loadContext(conn: Knex, deliveryId: string, attemptNumber = 0): Promise<DeliveryContext> {
    const row = (await conn('deliveries as d')
      .join('webhooks as w', 'w.id', 'd.webhook_id')
      .join('events as e', function () {
        this.on('e.account_id', '=', 'd.account_id').andOn('e.id', '=', 'd.event_id');
      })
      .where('d.id', deliveryId)
      .first(
        'd.id as delivery_id',
        'd.account_id',
        'd.event_id',
        'd.webhook_id',
        'd.status as delivery_status',
        'e.type as event_type',
        'e.goods_owner_id',
        'e.occurred_at',
        'e.payload',
        'w.target_url',
        'w.retry_policy',
        'w.retry_countdown_config',
        'w.max_attempts',
        'w.timeout',
        'w.additional_headers',
        'w.secret_key_sealed',
        'w.auth_type',
        'w.auth_sealed',
        'w.notify_email',
        'w.enabled',
        'w.deleted_at',
        'w.failing_since',
        'w.name',
        conn.raw(
          `(select json_build_object('status_code', a.status_code, 'error', a.error, 'started_at', a.started_at)
              from delivery_attempts a where a.delivery_id = d.id and a.number = ?) as recorded`,
          [attemptNumber],
        ),
      )) as DeliveryContext | undefined;
    if (!row) throw new Error(`delivery ${deliveryId} not found`);
    return row;
  }

  const activities = {
    /** Finds the webhooks an event goes to and records one pending delivery for each, once. */
    async planDeliveries(input: { accountId: string; eventId: string }): Promise<Plan> {
      // Two round trips instead of a seven-statement transaction (PGlite has one connection, which
      // a transaction would hold across every await): one read of the event and the account's live
      // webhooks, then one atomic statement that records the deliveries and marks the event dispatched.
      const found = (
        (await db.raw(
          `select e.type, e.goods_owner_id,
                  coalesce((select json_agg(json_build_object(
                              'id', w.id, 'event_type', w.event_type, 'scope', w.scope,
                              'goods_owner_id', w.goods_owner_id, 'delay', w.delay))
                              from webhooks w
                             where w.account_id = e.account_id and w.enabled and w.deleted_at is null),
                           '[]'::json) as hooks
             from events e
            where e.account_id = ? and e.id = ?`,
          [input.accountId, input.eventId],
        )) as { rows: Array<{ type: string; goods_owner_id: string | null; hooks: unknown }> }
      ).rows[0];
      if (!found) throw new Error(`event ${input.eventId} not found`);
      const event = { type: found.type, goods_owner_id: found.goods_owner_id };
      const hooks = (typeof found.hooks === 'string' ? JSON.parse(found.hooks) : found.hooks) as Array<{
        id: string;
        event_type: string;
        scope: string;
        goods_owner_id: string | null;
        delay: string | null;
      }>;
      const matching = hooks.filter(
        (w) =>
          matchesPattern(w.event_type, event.type) &&
          (w.scope === 'automation' ||
            (event.goods_owner_id !== null && w.goods_owner_id === event.goods_owner_id)),
      );
      const values = matching.flatMap((w) => [
        newId('dlv'),
        input.accountId,
        input.eventId,
        w.id,
        ids.delivery(input.eventId, w.id),
      ]);
      // Rows inserted by the statement are not visible to its own reads: the new ones come from
      // the insert's RETURNING, those of an earlier (retried) plan from the table.
      const inserted = matching.length
        ? `inserted as (
             insert into deliveries (id, account_id, event_id, webhook_id, status, workflow_id)
             values ${matching.map(() => "(?, ?, ?, ?, 'pending', ?)").join(', ')}
             on conflict (account_id, event_id, webhook_id) do nothing
             returning id, webhook_id, workflow_id
           ),`
        : '';
      const rows = (
        (await db.raw(
          `with ${inserted}
           dispatched as (
             update events set dispatched_at = now() where account_id = ? and id = ? returning 1
           )
           ${matching.length ? 'select id, webhook_id, workflow_id from inserted union all' : ''}
           select id, webhook_id, workflow_id from deliveries where account_id = ? and event_id = ?`,
          [...values, input.accountId, input.eventId, input.accountId, input.eventId],
        )) as { rows: Array<{ id: string; webhook_id: string; workflow_id: string }> }
      ).rows;
      const delayOf = new Map(matching.map((w) => [w.id, durationMs(w.delay)]));
      return {
        accountId: input.accountId,
        eventId: input.eventId,
        eventType: event.type,
        goodsOwnerId: event.goods_owner_id,
        searchAttributes: deps.searchAttributes ?? true,
        deliveries: rows.map((r) => ({
          deliveryId: r.id,
          webhookId: r.webhook_id,
          workflowId: r.workflow_id,
          delayMs: delayOf.get(r.webhook_id) ?? null,
        })),
      };
    },

    /**
     * Starts one deliverWebhook workflow per planned delivery, on the caller's task queue. Idempotent:
     * the workflow ids are deterministic and a delivery that already ran or runs is left alone (a
     * resend is a new cycle, started by the deliveries service), so a retried fan-out starts
     * nothing twice.
     */
    async startDeliveries(plan: Plan): Promise<{ started: number; existing: number }> {
      let taskQueue = TASK_QUEUE;
      try {
        taskQueue = Context.current().info.taskQueue;
      } catch {
        /* called outside an activity (tests): the default queue */
      }
      // Over the worker's own connection the server hands the new workflow's first task straight
      // back to this worker (eager start): no task-queue round trip.
      const eager = deps.temporal.connection instanceof NativeConnection;
      const queue = [...plan.deliveries];
      let started = 0;
      let existing = 0;
      const lane = async () => {
        for (let d = queue.shift(); d; d = queue.shift()) {
          const input: DeliverInput = {
            deliveryId: d.deliveryId,
            delayMs: d.delayMs,
            cycle: 1,
            firstAttemptNumber: 1,
            test: false,
          };
          try {
            await deps.temporal.workflow.start('deliverWebhook', {
              taskQueue,
              workflowId: d.workflowId,
              args: [input],
              workflowIdReusePolicy: 'REJECT_DUPLICATE',
              requestEagerStart: eager,
              staticSummary: `${plan.eventType} ${plan.eventId} → webhook ${d.webhookId}`,
              ...(plan.searchAttributes
                ? {
                    typedSearchAttributes: deliveryAttributes({
                      accountId: plan.accountId,
                      webhookId: d.webhookId,
                      eventType: plan.eventType,
                      goodsOwnerId: plan.goodsOwnerId,
                    }),
                  }
                : {}),
            });
            started++;
          } catch (err) {
            if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
            existing++;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, queue.length) }, lane));
      return { started, existing };
    },

    /** One attempt: POST the signed envelope, record the answer, and settle what follows from it. */
    async attemptDelivery(input: AttemptInput): Promise<AttemptResult> {
      const ctx = await loadContext(db, input.deliveryId, input.number);
      if (ctx.recorded) return recordedOutcome(ctx, ctx.recorded);
      const startedAt = await now();
      const refused = refusalBeforeSending({ deleted: ctx.deleted_at !== null, enabled: ctx.enabled });
      if (refused) {
        await db('deliveries')
          .where({ id: ctx.delivery_id })
          .update({
            status: 'failed',
            last_error: describeStop(refused),
            next_attempt_at: null,
            finished_at: startedAt,
          });
        return { outcome: 'stopped', startedAt: startedAt.getTime(), cause: refused };
      }
      const body = renderEnvelope(ctx);
      const result = await sendSigned(deps.http, {
        url: ctx.target_url,
        body,
        messageId: ctx.event_id,
        secret: secrets.openNullable(ctx.secret_key_sealed),
        timeoutMs: durationMs(ctx.timeout) ?? 10_000,
        now: startedAt,
        headers: webhookRequestHeaders({
          eventType: ctx.event_type,
          deliveryId: ctx.delivery_id,
          attempt: input.number,
          additionalHeaders: ctx.additional_headers,
          auth: ctx.auth_type ? { type: ctx.auth_type, sealed: ctx.auth_sealed as string } : null,
          secrets,
        }),
      });
      metrics.deliveryAttempts.inc({ outcome: result.ok ? 'delivered' : (result.errorKind ?? 'failed') });

      if (result.ok) {
        // The common case in one statement (one round trip, no transaction held open across
        // awaits: PGlite has a single connection that every query in the process shares).
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
            ctx.delivery_id,
            input.number,
            input.cycle,
            startedAt,
            result.durationMs,
            result.statusCode,
            result.error,
            result.responseBody,
            new Date(startedAt.getTime() + result.durationMs),
            ctx.delivery_id,
            ctx.webhook_id,
          ],
        );
        return {
          outcome: 'delivered',
          startedAt: startedAt.getTime(),
          statusCode: result.statusCode as number,
        };
      }

      return inTransaction(async (trx, after) => {
        const inserted = await trx('delivery_attempts')
          .insert({
            delivery_id: ctx.delivery_id,
            number: input.number,
            cycle: input.cycle,
            started_at: startedAt,
            duration_ms: result.durationMs,
            status_code: result.statusCode,
            error: result.error,
            response_body: result.responseBody,
          })
          .onConflict(['delivery_id', 'number'])
          .ignore()
          .returning('number');
        const counted = inserted.length ? trx.raw('attempt_count + 1') : trx.raw('attempt_count');
        await trx('deliveries')
          .where({ id: ctx.delivery_id })
          .update({ attempt_count: counted, last_error: result.error });
        const failingSince = ctx.failing_since ?? startedAt;
        if (!ctx.failing_since) {
          await trx('webhooks')
            .where({ id: ctx.webhook_id })
            .whereNull('failing_since')
            .update({ failing_since: startedAt });
        }
        const stop = afterFailedAttempt({
          statusCode: result.statusCode,
          test: input.test,
          failingSince: new Date(failingSince),
          startedAt,
        });
        if (stop) {
          await disableWebhook(trx, after, ctx, describeStop(stop));
          return { outcome: 'stopped', startedAt: startedAt.getTime(), cause: stop };
        }
        return {
          outcome: 'failed',
          startedAt: startedAt.getTime(),
          statusCode: result.statusCode,
          error: result.error ?? 'failed',
          retryAfterMs: retryAfterFloorMs(result.statusCode, result.retryAfter, startedAt),
          policy: policyOf(ctx),
        };
      });
    },

    async scheduleRetry(input: { deliveryId: string; nextAttemptAt: number }): Promise<void> {
      await db('deliveries')
        .where({ id: input.deliveryId })
        .update({ status: 'pending', next_attempt_at: new Date(input.nextAttemptAt) });
    },

    /** A delivery ends without success: failed for good (and the owner told), cancelled, or stopped. */
    async finishDelivery(input: {
      deliveryId: string;
      status: 'failed' | 'cancelled';
      cycle: number;
      reason?: string;
    }): Promise<void> {
      const finishedAt = await now();
      await inTransaction(async (trx, after) => {
        const ctx = await loadContext(trx, input.deliveryId);
        await trx('deliveries')
          .where({ id: input.deliveryId })
          .update({
            status: input.status,
            next_attempt_at: null,
            finished_at: finishedAt,
            ...(input.reason ? { last_error: input.reason } : {}),
          });
        if (input.status === 'failed' && ctx.notify_email) {
          await notify(trx, after, {
            accountId: ctx.account_id,
            webhookId: ctx.webhook_id,
            deliveryId: ctx.delivery_id,
            kind: 'delivery_failed',
            key: `${ctx.delivery_id}:${input.cycle}`,
            to: ctx.notify_email,
            subject: `Switchyard delivery ${ctx.delivery_id} failed`,
            body: `Event ${ctx.event_id} (${ctx.event_type}) could not be delivered to ${ctx.target_url}.\nInspect it with GET /v1/deliveries/${ctx.delivery_id}; resend it with POST /v1/deliveries/${ctx.delivery_id}/retry.`,
          });
        }
      });
    },
  };

  return {
    ...activities,
    /**
     * The whole fan-out of one event: plan, then start. One local activity instead of two saves
     * the fan-out an activation and a history event; both steps are idempotent, so a retry of the
     * activity neither records nor starts anything twice.
     */
    async fanOut(input: {
      accountId: string;
      eventId: string;
    }): Promise<{ deliveries: number; started: number; existing: number }> {
      const plan = await activities.planDeliveries(input);
      const starts = plan.deliveries.length
        ? await activities.startDeliveries(plan)
        : { started: 0, existing: 0 };
      return { deliveries: plan.deliveries.length, ...starts };
    },
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
