// The fan-out of one accepted event with more deliveries than the API starts itself: plan (record
// one pending delivery per matching webhook) and start (one deliverWebhook workflow per delivery),
// both idempotent. The steps themselves are src/webhooks/plan.ts, shared with the API's direct path.
import { NativeConnection } from '@temporalio/worker';
import { createDeliveryPlanner, type Plan } from '../../webhooks/plan';
import type { DispatchInput } from '../../workflows/webhooks/contract';
import type { ActivityDeps } from '../deps';
import { currentTaskQueue } from '../taskQueue';

export type { Plan, PlannedDelivery } from '../../webhooks/plan';

export function createFanOutActivities(deps: ActivityDeps) {
  const planner = createDeliveryPlanner(deps);

  const activities = {
    /** Finds the webhooks an event goes to and records one pending delivery for each, once. */
    async planDeliveries(input: DispatchInput): Promise<Plan> {
      // Two round trips instead of a seven-statement transaction (PGlite has one connection, which
      // a transaction would hold across every await): one read of the event and the account's live
      // webhooks, then one atomic statement that records the deliveries and marks the event dispatched.
      const routing = await planner.route(input.accountId, input.eventId);
      if (!routing) throw new Error(`event ${input.eventId} not found`);
      return planner.record(routing, { markDispatched: true });
    },

    /**
     * Starts one deliverWebhook workflow per planned delivery, on the caller's task queue. Idempotent:
     * the workflow ids are deterministic and a delivery that already ran or runs is left alone (a
     * resend is a new cycle, started by the deliveries service), so a retried fan-out starts
     * nothing twice.
     */
    async startDeliveries(plan: Plan): Promise<{ started: number; existing: number }> {
      const taskQueue = currentTaskQueue();
      // Over the worker's own connection the server hands the new workflow's first task straight
      // back to this worker (eager start): no task-queue round trip.
      const eager = deps.temporal.connection instanceof NativeConnection;
      const { started, existing, refused } = await planner.start(plan, { taskQueue, eager });
      if (refused !== undefined) throw refused;
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
