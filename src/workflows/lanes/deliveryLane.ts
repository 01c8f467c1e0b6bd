import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  proxyLocalActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { laneTurnSignal } from '../webhooks/contract';
import {
  arriveSignal,
  laneQuery,
  leaveSignal,
  type DeliveryLaneWorkflow,
  type LaneInput,
  type LaneMember,
} from './contract';

/** An idle lane (nobody holds it, nobody waits) stays open this long for the next delivery. */
export const LANE_IDLE_MS = 30_000;
/** While an earlier event of the key is accepted but not yet planned, the lane looks again this often. */
export const LANE_BLOCKED_RECHECK_MS = 1_000;
/**
 * While deliveries wait for a head that has not joined (in its webhook's delay, or started late by
 * the sweep), and while a delivery holds the lane: how often the lane re-reads the database, in
 * case a delivery ended without telling it (cancelled before its run existed, its run terminated).
 */
export const LANE_SAFETY_RECHECK_MS = 60_000;
/** Turns one run gives before it continues as new, well inside Temporal's history limits. */
export const LANE_TURNS_PER_RUN = 500;

const { laneHead } = proxyLocalActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

/**
 * One lane: the deliveries of a `per_key` webhook for one ordering key, let through one at a time
 * in the order their events were accepted. The database says whose turn it is (the lane's pending
 * first-cycle delivery with the lowest seq, laneHead); the runs say when they are ready (arrive)
 * and when they are done (leave). A delivery holds the lane through its countdown retries, until
 * it is delivered, failed or cancelled. The lane closes when nobody holds it or waits; the next
 * arrival's signal-with-start opens it again.
 */
export async function deliveryLane(input: LaneInput): Promise<void> {
  const { carry, ...ref } = input;
  const arrived = new Map<string, string>((carry?.arrived ?? []).map((m) => [m.deliveryId, m.workflowId]));
  let current: LaneMember | null = carry?.current ?? null;
  let changed = false;
  let granted = 0;
  const members = (): LaneMember[] =>
    [...arrived].map(([deliveryId, workflowId]) => ({ deliveryId, workflowId }));

  setHandler(arriveSignal, (m) => {
    if (current?.deliveryId !== m.deliveryId) arrived.set(m.deliveryId, m.workflowId);
    changed = true;
  });
  setHandler(leaveSignal, ({ deliveryId }) => {
    arrived.delete(deliveryId);
    if (current?.deliveryId === deliveryId) current = null;
    changed = true;
  });
  setHandler(laneQuery, () => ({ current, arrived: members(), granted }));

  for (;;) {
    if (current) {
      const holder: LaneMember = current;
      if (await condition(() => current === null, LANE_SAFETY_RECHECK_MS)) continue;
      // Still held after a long while: normal for a delivery in its countdown, unless its row has
      // ended without a leave (a terminated run) and the lane's head moved on.
      const head = await laneHead(ref);
      if (head.kind !== 'delivery' || head.deliveryId !== holder.deliveryId) {
        log.warn('lane holder ended without leaving; lane released', { deliveryId: holder.deliveryId });
        current = null;
      }
      continue;
    }
    if (granted >= LANE_TURNS_PER_RUN || workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<DeliveryLaneWorkflow>({ ...ref, carry: { current, arrived: members() } });
    }
    changed = false;
    const head = await laneHead(ref);
    if (head.kind === 'delivery') {
      const workflowId = arrived.get(head.deliveryId);
      if (workflowId) {
        arrived.delete(head.deliveryId);
        current = { deliveryId: head.deliveryId, workflowId };
        granted++;
        try {
          await getExternalWorkflowHandle(workflowId).signal(laneTurnSignal);
        } catch (err) {
          // Its run is gone (terminated): nobody will leave; the head is looked up again.
          log.warn('lane turn could not be given', { deliveryId: head.deliveryId, error: String(err) });
          current = null;
        }
        continue;
      }
    } else if (head.kind === 'empty' && !changed) {
      // No pending delivery in the lane: whatever joined has ended. Not when a signal came during
      // the read: its answer may predate that arrival's row (the loop reads again at once).
      arrived.clear();
    }
    if (arrived.size === 0) {
      // Nobody waits: close after a short grace (signals arriving meanwhile keep it open).
      await condition(() => changed, LANE_IDLE_MS);
      if (!changed && arrived.size === 0 && current === null) return;
      continue;
    }
    await condition(
      () => changed,
      head.kind === 'blocked' ? LANE_BLOCKED_RECHECK_MS : LANE_SAFETY_RECHECK_MS,
    );
  }
}

// Starters are typed with the contract's signature: keep the workflow to it.
deliveryLane satisfies DeliveryLaneWorkflow;
