// The fan-out of one accepted event: plan (record one pending delivery per matching webhook) and
// start (one deliverWebhook workflow per delivery), both idempotent.
import { Context } from '@temporalio/activity';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { TASK_QUEUE } from '../../constants';
import { newId } from '../../ids';
import { durationMs } from '../../rules/duration';
import { matchesPattern } from '../../rules/eventTypes';
import { createDeliveriesRepository } from '../../repositories/deliveries';
import { createEventsRepository } from '../../repositories/events';
import { startWorkflow } from '../../temporal/workflowStart';
import {
  deliverWebhookStart,
  webhookWorkflowIds,
  type DispatchInput,
} from '../../workflows/webhooks/contract';
import type { ActivityDeps } from '../deps';

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

export function createFanOutActivities(deps: ActivityDeps) {
  const events = createEventsRepository(deps.db);
  const deliveries = createDeliveriesRepository(deps.db);

  const activities = {
    /** Finds the webhooks an event goes to and records one pending delivery for each, once. */
    async planDeliveries(input: DispatchInput): Promise<Plan> {
      // Two round trips instead of a seven-statement transaction (PGlite has one connection, which
      // a transaction would hold across every await): one read of the event and the account's live
      // webhooks, then one atomic statement that records the deliveries and marks the event dispatched.
      const found = await events.withLiveWebhooks(input.accountId, input.eventId);
      if (!found) throw new Error(`event ${input.eventId} not found`);
      const { event } = found;
      const matching = found.webhooks.filter(
        (w) =>
          matchesPattern(w.event_type, event.type) &&
          (w.scope === 'automation' ||
            (event.goods_owner_id !== null && w.goods_owner_id === event.goods_owner_id)),
      );
      const rows = await deliveries.recordPlan(
        input.accountId,
        input.eventId,
        matching.map((w) => ({
          id: newId('dlv'),
          webhookId: w.id,
          workflowId: webhookWorkflowIds.delivery(input.eventId, w.id),
        })),
      );
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
          const start = deliverWebhookStart({
            input: {
              deliveryId: d.deliveryId,
              delayMs: d.delayMs,
              cycle: 1,
              firstAttemptNumber: 1,
              test: false,
            },
            workflowId: d.workflowId,
            accountId: plan.accountId,
            eventId: plan.eventId,
            eventType: plan.eventType,
            goodsOwnerId: plan.goodsOwnerId,
            webhookId: d.webhookId,
            starter: { by: 'fanOut', eager },
            searchAttributes: plan.searchAttributes,
            taskQueue,
          });
          try {
            await startWorkflow(deps.temporal, start);
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
  };

  return {
    ...activities,
    /**
     * The whole fan-out of one event: plan, then start. One local activity instead of two saves
     * the fan-out an activation and a history event; both steps are idempotent, so a retry of the
     * activity neither records nor starts anything twice.
     */
    async fanOut(input: DispatchInput): Promise<{ deliveries: number; started: number; existing: number }> {
      const plan = await activities.planDeliveries(input);
      const starts = plan.deliveries.length
        ? await activities.startDeliveries(plan)
        : { started: 0, existing: 0 };
      return { deliveries: plan.deliveries.length, ...starts };
    },
  };
}
