// The lanes' activities: a delivery's run joins its lane and leaves it (signal-with-start, so the
// first arrival opens the lane and an idle lane that closed opens again), and the lane reads whose
// turn it is from the database.
import { Context } from '@temporalio/activity';
import { TASK_QUEUE } from '../../constants';
import { createDeliveriesRepository, type LaneHead } from '../../repositories/deliveries';
import { signalWithStartWorkflow } from '../../temporal/workflowStart';
import { arriveSignal, deliveryLaneStart, leaveSignal, type LaneRef } from '../../workflows/lanes/contract';
import type { ActivityDeps } from '../deps';

export type { LaneHead } from '../../repositories/deliveries';

function taskQueue(): string {
  try {
    return Context.current().info.taskQueue;
  } catch {
    return TASK_QUEUE; // called outside an activity (tests)
  }
}

export function createLaneActivities(deps: ActivityDeps) {
  const deliveries = createDeliveriesRepository(deps.db);
  const laneStart = (lane: LaneRef) =>
    deliveryLaneStart(lane, { searchAttributes: deps.searchAttributes !== false, taskQueue: taskQueue() });

  return {
    /** The run of `deliveryId` is ready for its first attempt: the lane gives it its turn. */
    async joinLane(input: { lane: LaneRef; deliveryId: string; workflowId: string }): Promise<void> {
      await signalWithStartWorkflow(deps.temporal, laneStart(input.lane), arriveSignal, [
        { deliveryId: input.deliveryId, workflowId: input.workflowId },
      ]);
    },

    /** The delivery ended (its row already says how): the lane moves on. */
    async leaveLane(input: { lane: LaneRef; deliveryId: string }): Promise<void> {
      await signalWithStartWorkflow(deps.temporal, laneStart(input.lane), leaveSignal, [
        { deliveryId: input.deliveryId },
      ]);
    },

    /** Whose turn it is in the lane, by the database. */
    async laneHead(lane: LaneRef): Promise<LaneHead> {
      return deliveries.laneHead(lane);
    },
  };
}
