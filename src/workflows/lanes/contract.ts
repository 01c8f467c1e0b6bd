// The contract of the lanes workflow family (deliveryLane): its type name, input, signals, query,
// workflow id and start options. A lane is the deliveries of one `per_key` webhook for one
// ordering key; the deliverWebhook runs of its deliveries join it (signal-with-start through
// this module) and are let through one at a time, in the order their events were accepted.
// Bundled into the workflow sandbox: only @temporalio/workflow, @temporalio/common, pure modules
// and type-only imports. It never imports the workflow module (that imports this).
import type { SearchAttributePair } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { TASK_QUEUE } from '../../constants';
import { SA } from '../../searchAttributes';
import type { WorkflowStart } from '../../temporal/workflowStart';

export const laneWorkflowTypes = { deliveryLane: 'deliveryLane' } as const;

/** Which lane: one webhook (of one account) and one ordering key. */
export interface LaneRef {
  accountId: string;
  webhookId: string;
  orderingKey: string;
}

/** A delivery of the lane and the workflow running it (the lane signals it its turn). */
export interface LaneMember {
  deliveryId: string;
  workflowId: string;
}

export interface LaneInput extends LaneRef {
  /** What a run hands to the next when it continues as new; absent on a lane's first run. */
  carry?: { current: LaneMember | null; arrived: LaneMember[] };
}

/** The lane's live state, for operators (Web UI "Queries" tab) and tests. */
export interface LaneStatus {
  /** The delivery that holds the lane (attempting or waiting for a retry); null: none. */
  current: LaneMember | null;
  /** Deliveries whose runs have joined and wait for their turn, in no particular order. */
  arrived: LaneMember[];
  /** Turns this run has given. */
  granted: number;
}

/** The workflow's signature; src/workflows/lanes/deliveryLane.ts is checked against it. */
export type DeliveryLaneWorkflow = (input: LaneInput) => Promise<void>;

/** A delivery's run is ready for its first attempt and waits for its turn. */
export const arriveSignal = defineSignal<[LaneMember]>('arrive');
/** A delivery of the lane ended (delivered, failed or cancelled), whether or not it had its turn. */
export const leaveSignal = defineSignal<[{ deliveryId: string }]>('leave');
export const laneQuery = defineQuery<LaneStatus>('lane');

export const laneWorkflowIds = {
  lane: (webhookId: string, orderingKey: string) => `lane:${webhookId}:${orderingKey}`,
} as const;

export function laneAttributes(ref: LaneRef): SearchAttributePair[] {
  return [
    { key: SA.account, value: ref.accountId },
    { key: SA.webhook, value: ref.webhookId },
    { key: SA.orderingKey, value: ref.orderingKey },
  ];
}

/**
 * The lane's start, for a signal-with-start (arrive, leave): the first signal opens the lane, later
 * ones reach the open run, and a lane that closed while idle opens again (ALLOW_DUPLICATE).
 */
export function deliveryLaneStart(
  ref: LaneRef,
  opts: { searchAttributes: boolean; taskQueue?: string },
): WorkflowStart<DeliveryLaneWorkflow> {
  return {
    workflowType: laneWorkflowTypes.deliveryLane,
    options: {
      taskQueue: opts.taskQueue ?? TASK_QUEUE,
      workflowId: laneWorkflowIds.lane(ref.webhookId, ref.orderingKey),
      args: [{ accountId: ref.accountId, webhookId: ref.webhookId, orderingKey: ref.orderingKey }],
      workflowIdReusePolicy: 'ALLOW_DUPLICATE',
      staticSummary: `lane ${ref.orderingKey} of webhook ${ref.webhookId}`,
      ...(opts.searchAttributes ? { typedSearchAttributes: laneAttributes(ref) } : {}),
    },
  };
}
