import { log, proxyLocalActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import type { DispatchEventWorkflow, DispatchInput, DispatchResult } from './contract';

const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
// A local activity: short and idempotent, and running them inside the workflow task saves
// the activity-task round trips and history events of ordinary activities (see BENCHMARKS.md).
const local = proxyLocalActivities<Activities>({ startToCloseTimeout: '1 minute', retry });

/**
 * Fans one accepted event out to one deliverWebhook workflow per matching webhook. The deliveries
 * are started by an activity (deterministic ids, REJECT_DUPLICATE) rather than as child workflows:
 * they outlive the fan-out anyway, and children would cost the fan-out a workflow task for every
 * child's start and completion.
 */
export async function dispatchEvent(input: DispatchInput): Promise<DispatchResult> {
  const { deliveries, started } = await local.fanOut(input);
  log.info('event dispatched', { deliveries, started });
  return { deliveries };
}

// Starters are typed with the contract's signature: keep the workflow to it.
dispatchEvent satisfies DispatchEventWorkflow;
