import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Page } from '../db/paginate';
import { ConflictError, NotFoundError } from '../errors';
import { newId } from '../ids';
import { durationMs } from '../rules/duration';
import {
  createDeliveriesRepository,
  type DeliveryListQuery,
  type DeliveryRow,
  type DeliveryView,
} from '../repositories/deliveries';
import { createDeliveryAttemptsRepository, type AttemptRow } from '../repositories/deliveryAttempts';
import { createEventsRepository, type EventLabels } from '../repositories/events';
import type { WebhookRow } from '../repositories/webhooks';
import { signalWithStartWorkflow, startWorkflow } from '../temporal/workflowStart';
import {
  cancelSignal,
  deliverWebhookStart,
  retryNowSignal,
  webhookWorkflowIds,
  type DeliverInput,
  type DeliveryState,
} from '../workflows/webhooks/contract';
import type { ServiceDeps } from './deps';
import type { WebhooksService } from './webhooks';

export type { DeliveryRow } from '../repositories/deliveries';
export type { AttemptRow } from '../repositories/deliveryAttempts';

/** How long a resend waits for the delivery's previous run to close before answering 409. */
export const PREVIOUS_RUN_WAIT_MS = 3_000;

export type DeliveryWithAttempts = DeliveryView & { attempts: AttemptRow[] };

export function createDeliveriesService(deps: ServiceDeps, webhooks: WebhooksService) {
  const { db, temporal } = deps;
  const deliveries = createDeliveriesRepository(db);
  const attempts = createDeliveryAttemptsRepository(db);
  const events = createEventsRepository(db);

  async function withAttempts(rows: DeliveryView[]): Promise<DeliveryWithAttempts[]> {
    if (rows.length === 0) return [];
    const found = await attempts.ofDeliveries(rows.map((r) => r.id));
    const byDelivery = new Map<string, AttemptRow[]>();
    for (const a of found) byDelivery.set(a.delivery_id, [...(byDelivery.get(a.delivery_id) ?? []), a]);
    return rows.map((r) => ({ ...r, attempts: byDelivery.get(r.id) ?? [] }));
  }

  async function find(accountId: string, id: string): Promise<DeliveryRow> {
    const row = await deliveries.find(accountId, id);
    if (!row) throw new NotFoundError('delivery', id);
    return row;
  }

  function deliveryStartOf(row: DeliveryRow, event: EventLabels, input: DeliverInput) {
    return {
      input,
      workflowId: row.workflow_id,
      accountId: row.account_id,
      eventId: row.event_id,
      eventType: event.type,
      goodsOwnerId: event.goods_owner_id,
      orderingKey: row.ordering_key,
      webhookId: row.webhook_id,
      searchAttributes: deps.searchAttributes !== false,
    };
  }

  /** A resend, a test or a retry-now: an operator's start of the delivery (see DeliveryStarter). */
  function operatorStart(row: DeliveryRow, event: EventLabels, input: DeliverInput) {
    return deliverWebhookStart({ ...deliveryStartOf(row, event, input), starter: { by: 'operator' } });
  }

  /** A pending delivery's run, should a signal-with-start have to start it: attempts continue its log. */
  const pendingInput = (row: DeliveryRow): DeliverInput => ({
    deliveryId: row.id,
    delayMs: null,
    cycle: row.cycle,
    firstAttemptNumber: row.attempt_count + 1,
    test: row.is_test,
    startedBySignal: true,
    // A first cycle of an ordered delivery still goes through its lane (a resend does not).
    ...(row.ordering_key && row.cycle === 1
      ? { lane: { accountId: row.account_id, webhookId: row.webhook_id, orderingKey: row.ordering_key } }
      : {}),
  });

  async function startDelivery(
    row: DeliveryRow,
    webhook: WebhookRow,
    event: EventLabels,
    input: DeliverInput,
  ) {
    const start = operatorStart(row, event, input);
    const deadline = Date.now() + PREVIOUS_RUN_WAIT_MS;
    for (;;) {
      try {
        return await startWorkflow(temporal, start);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        // The previous cycle has settled its row but its run is still closing: give it a moment,
        // never the whole of a hanging attempt (the request would outlast any client's patience).
        const left = deadline - Date.now();
        if (left <= 0)
          throw new ConflictError(
            `delivery ${row.id}: its previous run is still finishing; try again in a few seconds`,
          );
        await Promise.race([
          temporal.workflow
            .getHandle(row.workflow_id)
            .result()
            .catch(() => undefined),
          new Promise((r) => setTimeout(r, left).unref()),
        ]);
      }
    }
  }

  /** Sends a finished delivery again as a new cycle of attempts. */
  async function resend(row: DeliveryRow, webhook: WebhookRow): Promise<boolean> {
    if (!(await deliveries.claimNextCycle(row))) return false; // someone else resent it first
    const event = await events.labels(row.account_id, row.event_id);
    try {
      await startDelivery(row, webhook, event, {
        deliveryId: row.id,
        delayMs: null,
        cycle: row.cycle + 1,
        firstAttemptNumber: row.attempt_count + 1,
        test: row.is_test,
      });
    } catch (err) {
      await deliveries.releaseNextCycle(row);
      throw err;
    }
    return true;
  }

  return {
    async get(accountId: string, id: string): Promise<DeliveryWithAttempts> {
      const view = await deliveries.view(accountId, id);
      if (!view) throw new NotFoundError('delivery', id);
      const [row] = await withAttempts([view]);
      return row as DeliveryWithAttempts;
    },

    async list(accountId: string, q: DeliveryListQuery): Promise<Page<DeliveryWithAttempts>> {
      const page = await deliveries.list(accountId, q);
      return { data: await withAttempts(page.data), next_cursor: page.next_cursor };
    },

    /** A pending delivery attempts now; a finished one is sent again as a new cycle. */
    async retry(accountId: string, id: string): Promise<void> {
      const row = await find(accountId, id);
      const webhook = await webhooks.find(accountId, row.webhook_id);
      webhooks.assertEnabled(webhook);
      if (row.status === 'pending') {
        // Signal-with-start, not a plain signal: a run still in its start delay (the webhook's
        // `delay`, deliverWebhookStart) wakes only for that (a plain signal is recorded but leaves
        // the delay running). An open run is signalled, attempting now. Pending with no open run:
        // the event's fan-out has recorded the delivery but not started it yet, or an operator
        // terminated its run; it is started now, attempting at once, and a fan-out that comes
        // later finds this run and starts nothing (REJECT_DUPLICATE), so the event is not sent twice.
        const event = await events.labels(row.account_id, row.event_id);
        const start = operatorStart(row, event, pendingInput(row));
        await signalWithStartWorkflow(temporal, start, retryNowSignal, []);
        return;
      }
      await resend(row, webhook);
    },

    async cancel(accountId: string, id: string): Promise<void> {
      const row = await find(accountId, id);
      if (row.status !== 'pending')
        throw new ConflictError(`delivery ${id} is ${row.status}; only a pending delivery can be cancelled`);
      // Signal-with-start, as for retry-now, so that a run in its start delay wakes and cancels at
      // once; it never starts a run over a closed one (REJECT_DUPLICATE): with no open run the row
      // is cancelled here. A delivery recorded but not started yet gets a run that cancels at once.
      const event = await events.labels(row.account_id, row.event_id);
      const start = deliverWebhookStart({
        ...deliveryStartOf(row, event, pendingInput(row)),
        starter: { by: 'cancel' },
      });
      try {
        await signalWithStartWorkflow(temporal, start, cancelSignal, []);
      } catch (err) {
        if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
        await deliveries.cancelPending(id, new Date());
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
        await events.insertTest(trx, {
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
          dispatched_at: new Date(),
        });
        return deliveries.insertTest(trx, {
          id: deliveryId,
          account_id: accountId,
          event_id: eventId,
          webhook_id: webhook.id,
          workflow_id: webhookWorkflowIds.delivery(eventId, webhook.id),
        });
      });
      let handle;
      try {
        handle = await startDelivery(
          row,
          webhook,
          { type: 'webhook.test', goods_owner_id: webhook.goods_owner_id },
          {
            deliveryId,
            delayMs: null,
            cycle: 1,
            firstAttemptNumber: 1,
            test: true,
          },
        );
      } catch (err) {
        await events.remove(accountId, eventId);
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
      const failed = await deliveries.failedSince(accountId, webhookId, since);
      let count = 0;
      for (const row of failed) if (await resend(row, webhook)) count += 1;
      return count;
    },
  };
}

export type DeliveriesService = ReturnType<typeof createDeliveriesService>;
