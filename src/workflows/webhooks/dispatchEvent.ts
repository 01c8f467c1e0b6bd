import {
  ParentClosePolicy,
  WorkflowIdReusePolicy,
  isCancellation,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  startChild,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { Plan } from '../../activities/deliveries';
import { deliveryAttributes } from '../../searchAttributes';
import { deliverWebhook } from './deliverWebhook';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
// Local activities: both are short and idempotent, and running them inside the workflow task saves
// the activity-task round trips and history events of ordinary activities (see BENCHMARKS.md).
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

/** Runs started before the fan-out moved to local activities replay the way they were recorded. */
export const LOCAL_FANOUT_PATCH = 'dispatch-local-fanout';
const { planDeliveries: remotePlan } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry,
});

export interface DispatchInput {
  accountId: string;
  eventId: string;
}

/**
 * Fans one accepted event out to one deliverWebhook workflow per matching webhook. The deliveries
 * are started by an activity (deterministic ids, REJECT_DUPLICATE) rather than as child workflows:
 * they outlived the fan-out anyway (parent close policy ABANDON), and children cost the fan-out a
 * workflow task for every child's start and completion.
 */
export async function dispatchEvent(input: DispatchInput): Promise<{ deliveries: number }> {
  if (!patched(LOCAL_FANOUT_PATCH)) return legacyDispatch(input);
  const plan = await local.planDeliveries(input);
  if (plan.deliveries.length) await local.startDeliveries(plan);
  log.info('event dispatched', { deliveries: plan.deliveries.length });
  return { deliveries: plan.deliveries.length };
}

/** The fan-out as runs started before LOCAL_FANOUT_PATCH recorded it: an activity, then children. */
async function legacyDispatch(input: DispatchInput): Promise<{ deliveries: number }> {
  const plan: Plan = await remotePlan(input);
  await Promise.all(
    plan.deliveries.map(async (d) => {
      try {
        await startChild(deliverWebhook, {
          workflowId: d.workflowId,
          args: [
            { deliveryId: d.deliveryId, delayMs: d.delayMs, cycle: 1, firstAttemptNumber: 1, test: false },
          ],
          parentClosePolicy: ParentClosePolicy.ABANDON,
          workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
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
      } catch (err) {
        if (isCancellation(err)) throw err;
        if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') return;
        throw err;
      }
    }),
  );
  log.info('event dispatched', { deliveries: plan.deliveries.length });
  return { deliveries: plan.deliveries.length };
}
