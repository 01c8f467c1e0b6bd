import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { TASK_QUEUE, ids } from '../constants';
import { paginate, type Page } from '../db/paginate';
import { ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { deliveryAttributes } from '../searchAttributes';
import { durationMs } from '../rules/duration';
import type { deliverWebhook, DeliverInput, DeliveryState } from '../workflows/webhooks/deliverWebhook';
import { cancelSignal, retryNowSignal } from '../workflows/webhooks/signals';
import type { ServiceDeps } from './deps';
import type { WebhooksService, WebhookRow } from './webhooks';

export interface DeliveryRow {
  id: string;
  account_id: string;
  event_id: string;
  webhook_id: string;
  status: 'pending' | 'delivered' | 'failed' | 'cancelled';
  cycle: number;
  attempt_count: number;
  next_attempt_at: Date | null;
  last_error: string | null;
  workflow_id: string;
  is_test: boolean;
  created_at: Date;
  finished_at: Date | null;
}

export interface AttemptRow {
  delivery_id: string;
  number: number;
  started_at: Date;
  duration_ms: number;
  status_code: number | null;
  error: string | null;
  response_body: string | null;
}

export type DeliveryWithAttempts = DeliveryRow & { attempts: AttemptRow[] };

export function createDeliveriesService(deps: ServiceDeps, webhooks: WebhooksService) {
  const { db, temporal } = deps;

  async function withAttempts(rows: DeliveryRow[]): Promise<DeliveryWithAttempts[]> {
    if (rows.length === 0) return [];
    const attempts = (await db('delivery_attempts')
      .whereIn(
        'delivery_id',
        rows.map((r) => r.id),
      )
      .orderBy(['delivery_id', 'number'])) as AttemptRow[];
    const byDelivery = new Map<string, AttemptRow[]>();
    for (const a of attempts) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
    return rows.map((r) => ({ ...r, attempts: byDelivery.get(r.id) ?? [] }));
  }

  async function find(accountId: string, id: string): Promise<DeliveryRow> {
    const row = (await db('deliveries').where({ id, account_id: accountId }).first()) as
      DeliveryRow | undefined;
    if (!row) throw new NotFoundError('delivery', id);
    return row;
  }

  function startOptions(
    row: DeliveryRow,
    webhook: WebhookRow,
    eventType: string,
    goodsOwnerId: string | null,
    input: DeliverInput,
  ) {
    return {
      taskQueue: TASK_QUEUE,
      workflowId: row.workflow_id,
      args: [input] as [DeliverInput],
      // A new cycle reuses the id of the finished run, so the Web UI shows every cycle together.
      workflowIdReusePolicy: 'ALLOW_DUPLICATE' as const,
      staticSummary: `${eventType} ${row.event_id} → webhook ${webhook.id}${input.cycle > 1 ? ` (cycle ${input.cycle})` : ''}`,
      ...(deps.searchAttributes === false
        ? {}
        : {
            typedSearchAttributes: deliveryAttributes({
              accountId: row.account_id,
              webhookId: webhook.id,
              eventType,
              goodsOwnerId,
            }),
          }),
    };
  }

  async function startDelivery(
    row: DeliveryRow,
    webhook: WebhookRow,
    eventType: string,
    goodsOwnerId: string | null,
    input: DeliverInput,
  ) {
    const options = startOptions(row, webhook, eventType, goodsOwnerId, input);
    for (let tries = 0; ; tries++) {
      try {
        return await temporal.workflow.start<typeof deliverWebhook>('deliverWebhook', options);
      } catch (err) {
        // The previous cycle has settled its row but its run is still closing: let it finish.
        if (!(err instanceof WorkflowExecutionAlreadyStartedError) || tries >= 5) throw err;
        await temporal.workflow
          .getHandle(row.workflow_id)
          .result()
          .catch(() => undefined);
      }
    }
  }

  async function eventOf(row: DeliveryRow): Promise<{ type: string; goods_owner_id: string | null }> {
    return db('events')
      .where({ account_id: row.account_id, id: row.event_id })
      .first('type', 'goods_owner_id');
  }

  /** Sends a finished delivery again as a new cycle of attempts. */
  async function resend(row: DeliveryRow, webhook: WebhookRow): Promise<boolean> {
    const claimed = await db('deliveries')
      .where({ id: row.id, cycle: row.cycle, status: row.status })
      .update({ status: 'pending', cycle: row.cycle + 1, finished_at: null, next_attempt_at: null });
    if (claimed === 0) return false; // someone else resent it first
    const event = await eventOf(row);
    try {
      await startDelivery(row, webhook, event.type, event.goods_owner_id, {
        deliveryId: row.id,
        delayMs: null,
        cycle: row.cycle + 1,
        firstAttemptNumber: row.attempt_count + 1,
        test: row.is_test,
      });
    } catch (err) {
      await db('deliveries')
        .where({ id: row.id, cycle: row.cycle + 1 })
        .update({ status: row.status, cycle: row.cycle, finished_at: row.finished_at });
      throw err;
    }
    return true;
  }

  return {
    async get(accountId: string, id: string): Promise<DeliveryWithAttempts> {
      const [row] = await withAttempts([await find(accountId, id)]);
      return row as DeliveryWithAttempts;
    },

    async list(
      accountId: string,
      q: {
        limit: number;
        cursor?: string | undefined;
        webhook_id?: string | undefined;
        event_id?: string | undefined;
        status?: string | undefined;
      },
    ): Promise<Page<DeliveryWithAttempts>> {
      const query = db('deliveries').where({ account_id: accountId }).select('*');
      if (q.webhook_id) query.where({ webhook_id: q.webhook_id });
      if (q.event_id) query.where({ event_id: q.event_id });
      if (q.status) query.where({ status: q.status });
      const page = await paginate<DeliveryRow>(query, q);
      return { data: await withAttempts(page.data), next_cursor: page.next_cursor };
    },

    /** A pending delivery attempts now; a finished one is sent again as a new cycle. */
    async retry(accountId: string, id: string): Promise<void> {
      const row = await find(accountId, id);
      const webhook = await webhooks.find(accountId, row.webhook_id);
      webhooks.assertEnabled(webhook);
      if (row.status === 'pending') {
        try {
          await temporal.workflow.getHandle(row.workflow_id).signal(retryNowSignal);
          return;
        } catch (err) {
          if (!(err instanceof WorkflowNotFoundError)) throw err;
        }
        // Pending with no open run: the event's fan-out has recorded the delivery but not started
        // it yet, or an operator terminated its run. Start it now, attempting at once; signal-with-
        // start joins a run that appeared meanwhile, and a fan-out that comes later finds this run
        // and starts nothing (REJECT_DUPLICATE), so the event is not sent twice.
        const event = await eventOf(row);
        await temporal.workflow.signalWithStart<typeof deliverWebhook, []>('deliverWebhook', {
          ...startOptions(row, webhook, event.type, event.goods_owner_id, {
            deliveryId: row.id,
            delayMs: null,
            cycle: row.cycle,
            firstAttemptNumber: row.attempt_count + 1,
            test: row.is_test,
          }),
          signal: retryNowSignal,
          signalArgs: [],
        });
        return;
      }
      await resend(row, webhook);
    },

    async cancel(accountId: string, id: string): Promise<void> {
      const row = await find(accountId, id);
      if (row.status !== 'pending')
        throw new ConflictError(`delivery ${id} is ${row.status}; only a pending delivery can be cancelled`);
      try {
        await temporal.workflow.getHandle(row.workflow_id).signal(cancelSignal);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        await db('deliveries')
          .where({ id, status: 'pending' })
          .update({ status: 'cancelled', finished_at: new Date(), next_attempt_at: null });
      }
    },

    /** Sends a webhook.test event to one webhook now: one attempt, no delay. */
    async test(
      accountId: string,
      webhookId: string,
    ): Promise<{ deliveryId: string; wait: () => Promise<DeliveryState> }> {
      const webhook = await webhooks.find(accountId, webhookId);
      webhooks.assertEnabled(webhook);
      const eventId = newId('test');
      const deliveryId = newId('dlv');
      const row = await db.transaction(async (trx) => {
        await trx('events').insert({
          account_id: accountId,
          id: eventId,
          seq: eventId.replace(/^test_/, 'evt_'),
          type: 'webhook.test',
          goods_owner_id: webhook.goods_owner_id,
          occurred_at: new Date(),
          payload: JSON.stringify({
            message: 'This is a test delivery from Switchyard.',
            webhook_id: webhook.id,
          }),
          request_hash: 'test',
          is_test: true,
          dispatched_at: new Date(),
        });
        const [d] = (await trx('deliveries')
          .insert({
            id: deliveryId,
            account_id: accountId,
            event_id: eventId,
            webhook_id: webhook.id,
            status: 'pending',
            workflow_id: ids.delivery(eventId, webhook.id),
            is_test: true,
          })
          .returning('*')) as DeliveryRow[];
        return d as DeliveryRow;
      });
      let handle;
      try {
        handle = await startDelivery(row, webhook, 'webhook.test', webhook.goods_owner_id, {
          deliveryId,
          delayMs: null,
          cycle: 1,
          firstAttemptNumber: 1,
          test: true,
        });
      } catch (err) {
        await db('events').where({ account_id: accountId, id: eventId }).delete();
        throw err;
      }
      const timeoutMs = (durationMs(webhook.timeout) ?? 10_000) + 30_000;
      return {
        deliveryId,
        wait: () =>
          Promise.race([
            handle.result(),
            new Promise<DeliveryState>((_, reject) =>
              setTimeout(
                () => reject(new Error('the test delivery did not finish in time')),
                timeoutMs,
              ).unref(),
            ),
          ]),
      };
    },

    /** Resends every failed delivery of a webhook created since `since`. */
    async recover(accountId: string, webhookId: string, since: Date): Promise<number> {
      const webhook = await webhooks.find(accountId, webhookId);
      webhooks.assertEnabled(webhook);
      const failed = (await db('deliveries')
        .where({ account_id: accountId, webhook_id: webhookId, status: 'failed', is_test: false })
        .where('created_at', '>=', since)
        .orderBy('id')) as DeliveryRow[];
      let count = 0;
      for (const row of failed) if (await resend(row, webhook)) count += 1;
      return count;
    },
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;
