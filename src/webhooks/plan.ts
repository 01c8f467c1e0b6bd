// An event's deliveries: which webhooks it goes to (match), one pending delivery row per matching
// webhook (record), one deliverWebhook workflow per row (start). Every step is idempotent: rows are
// unique per (event, webhook) and workflow ids deterministic (webhookWorkflowIds.delivery). Shared
// by the fan-out activity (wide events, in a dispatchEvent workflow) and the events service (small
// events, started straight from the API; see DIRECT_START_MAX there).
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TASK_QUEUE } from '../constants';
import type { Db } from '../db/knex';
import { newId } from '../ids';
import { createDeliveriesRepository } from '../repositories/deliveries';
import { createEventsRepository, type RoutedEvent, type RoutingWebhook } from '../repositories/events';
import { durationMs } from '../rules/duration';
import { matchesPattern } from '../rules/eventTypes';
import { matchesFilter } from '../rules/filter';
import { startWorkflow } from '../temporal/workflowStart';
import { deliverWebhookStart, webhookWorkflowIds } from '../workflows/webhooks/contract';
import { envelopeOf } from './envelope';

/** Delivery workflows one plan starts at a time. */
const START_CONCURRENCY = 16;

export interface PlannedDelivery {
  deliveryId: string;
  webhookId: string;
  workflowId: string;
  delayMs: number | null;
  /** The delivery's ordering key when it goes through a lane (a `per_key` webhook's); else absent. */
  orderingKey?: string | null;
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

/** An event and the live webhooks of its account it goes to (not yet recorded). */
export interface Routing {
  accountId: string;
  eventId: string;
  event: RoutedEvent;
  webhooks: RoutingWebhook[];
}

export function createDeliveryPlanner(deps: { db: Db; temporal: Client; searchAttributes?: boolean }) {
  const events = createEventsRepository(deps.db);
  const deliveries = createDeliveriesRepository(deps.db);

  return {
    /**
     * The webhooks an event goes to; undefined: no such event. A webhook with a payload filter
     * takes the event only if the filter admits its envelope, built as the send builds it
     * (envelopeOf).
     *
     * Plain routing stays one read that carries no payload: withLiveWebhooks returns each live
     * webhook's filter (null for most) but not the event's payload. Only when a webhook that the
     * type and scope admit has a filter is the payload read, in a second read by primary key
     * (filterContent). A single statement that selected the payload under "some live webhook of
     * the account has a filter" (a lateral aggregate, or an EXISTS subplan) would add work to every
     * event's read, filtered or not (a quick, noisy comparison put the lateral form about 10%
     * slower); the second read costs only the events that need it.
     */
    async route(accountId: string, eventId: string): Promise<Routing | undefined> {
      const found = await events.withLiveWebhooks(accountId, eventId);
      if (!found) return undefined;
      const { event } = found;
      const candidates = found.webhooks.filter(
        (w) =>
          matchesPattern(w.event_type, event.type) &&
          (w.scope === 'automation' ||
            (event.goods_owner_id !== null && w.goods_owner_id === event.goods_owner_id)),
      );
      if (candidates.every((w) => w.filter === null))
        return { accountId, eventId, event, webhooks: candidates };
      const content = await events.filterContent(accountId, eventId);
      if (!content) return undefined; // removed since the first read (its request failed)
      const envelope = envelopeOf({
        event_id: eventId,
        event_type: event.type,
        occurred_at: content.occurred_at,
        goods_owner_id: event.goods_owner_id,
        payload: content.payload,
      });
      const webhooks = candidates.filter((w) => w.filter === null || matchesFilter(w.filter, envelope));
      return { accountId, eventId, event, webhooks };
    },

    /**
     * Records one pending delivery per routed webhook, once (rows of an earlier plan are kept and
     * answered too). `markDispatched`: also mark the event dispatched in the same statement (the
     * fan-out, whose workflow carries the starts durably). The API's direct path marks it only once
     * its starts are done, so that an event whose starts a crash cut short stays undispatched and
     * the sweep (redispatchStranded) finishes them.
     */
    async record(routing: Routing, opts: { markDispatched: boolean }): Promise<Plan> {
      const { accountId, eventId, webhooks } = routing;
      const rows = await deliveries.recordPlan(
        accountId,
        eventId,
        webhooks.map((w) => ({
          id: newId('dlv'),
          webhookId: w.id,
          workflowId: webhookWorkflowIds.delivery(eventId, w.id),
          // A per_key webhook's delivery of an event with a key joins the lane of that key.
          ordering:
            w.ordering === 'per_key' && routing.event.ordering_key && routing.event.ordering_seq
              ? { key: routing.event.ordering_key, seq: routing.event.ordering_seq }
              : null,
        })),
        opts,
      );
      const delayOf = new Map(webhooks.map((w) => [w.id, durationMs(w.delay)]));
      return {
        accountId,
        eventId,
        eventType: routing.event.type,
        goodsOwnerId: routing.event.goods_owner_id,
        searchAttributes: deps.searchAttributes ?? true,
        deliveries: rows.map((r) => ({
          deliveryId: r.id,
          webhookId: r.webhook_id,
          workflowId: r.workflow_id,
          delayMs: delayOf.get(r.webhook_id) ?? null,
          orderingKey: r.ordering_key ?? null,
        })),
      };
    },

    /**
     * Starts one deliverWebhook workflow per planned delivery. Idempotent: the workflow ids are
     * deterministic and a delivery that already ran or runs is left alone (REJECT_DUPLICATE; a
     * resend is a new cycle, started by the deliveries service), so a repeated start starts nothing
     * twice. Never throws: once every start has settled, `refused` is the first refusal other than
     * "already started" (undefined: every delivery runs or ran).
     */
    async start(
      plan: Plan,
      opts: { taskQueue?: string; eager: boolean },
    ): Promise<{ started: number; existing: number; refused?: unknown }> {
      const queue = [...plan.deliveries];
      let started = 0;
      let existing = 0;
      let refused: unknown;
      const lane = async () => {
        for (let d = queue.shift(); d; d = queue.shift()) {
          const start = deliverWebhookStart({
            input: {
              deliveryId: d.deliveryId,
              delayMs: d.delayMs,
              cycle: 1,
              firstAttemptNumber: 1,
              test: false,
              ...(d.orderingKey
                ? { lane: { accountId: plan.accountId, webhookId: d.webhookId, orderingKey: d.orderingKey } }
                : {}),
            },
            workflowId: d.workflowId,
            accountId: plan.accountId,
            eventId: plan.eventId,
            eventType: plan.eventType,
            goodsOwnerId: plan.goodsOwnerId,
            webhookId: d.webhookId,
            starter: { by: 'fanOut', eager: opts.eager },
            searchAttributes: plan.searchAttributes,
            taskQueue: opts.taskQueue ?? TASK_QUEUE,
          });
          try {
            await startWorkflow(deps.temporal, start);
            started++;
          } catch (err) {
            if (err instanceof WorkflowExecutionAlreadyStartedError) existing++;
            else refused ??= err;
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(START_CONCURRENCY, queue.length) }, lane));
      return refused === undefined ? { started, existing } : { started, existing, refused };
    },
  };
}

export type DeliveryPlanner = ReturnType<typeof createDeliveryPlanner>;
