import { condition, log, proxyLocalActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { deliverInputProblem } from '../../rules/deliveryInput';
import { nextRetryDelayMs } from '../../rules/retryPolicy';
import { MAX_TOKEN_WAIT_MS } from '../../rules/tokenBucket';
import { describeStop, stoppedBeforeSending } from '../../rules/webhookHealth';
import {
  cancelSignal,
  laneTurnSignal,
  rateLimitChangedSignal,
  retryNowSignal,
  statusQuery,
  type DeliverInput,
  type DeliverWebhookWorkflow,
  type DeliveryState,
  type DeliveryStatus,
} from './contract';

// The attempt activity is one HTTP request plus one database write. Its own retries cover our
// infrastructure (database down, worker crash); the target's answer is never retried here.
// Local activities: they run inside the workflow task, so an attempt costs one workflow task and
// one history event (a marker carrying its result, shown in the Web UI) instead of an activity
// task's round trip through the server and three events (BENCHMARKS.md). A worker that dies
// mid-attempt loses its workflow task, which times out and runs the attempt again elsewhere; an
// attempt whose answer was already recorded is not sent again (attemptDelivery).
const retry = { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' } as const;
const { attemptDelivery, scheduleRetry, finishDelivery, joinLane, leaveLane } =
  proxyLocalActivities<Activities>({
    startToCloseTimeout: '2 minutes',
    retry,
  });

/**
 * Delivers one event to one webhook: attempts, durable countdown sleeps between them. The webhook's
 * delay is the start's (deliverWebhookStart), before this runs at all. A delivery in a lane (an
 * ordered webhook's) waits for its turn before its first attempt and tells the lane when it ends.
 */
export async function deliverWebhook(input: DeliverInput): Promise<DeliveryState> {
  const { lane } = input;
  if (!lane) return deliver(input);
  try {
    return await deliver(input);
  } finally {
    await leaveLane({ lane, deliveryId: input.deliveryId });
  }
}

async function deliver(input: DeliverInput): Promise<DeliveryState> {
  const status: DeliveryStatus = { state: 'waiting', attempts: 0, nextAttemptAt: null, lastError: null };
  let wake = false;
  let cancelled = false;
  let laneTurn = false;
  setHandler(retryNowSignal, () => {
    wake = true;
  });
  setHandler(cancelSignal, () => {
    cancelled = true;
  });
  setHandler(laneTurnSignal, () => {
    laneTurn = true;
  });
  let recheck = false; // the rate limit changed: a wait for a token ends
  setHandler(rateLimitChangedSignal, () => {
    recheck = true;
  });
  setHandler(statusQuery, () => status);

  const wait = async (ms: number) => {
    status.nextAttemptAt = new Date(Date.now() + ms).toISOString();
    await condition(() => wake || cancelled, ms);
    wake = false;
  };

  const end = async (state: 'failed' | 'cancelled', reason?: string) => {
    await finishDelivery({ deliveryId: input.deliveryId, status: state, cycle: input.cycle, reason });
    status.state = state;
    status.nextAttemptAt = null;
    return state;
  };

  // An input it cannot carry out fails the delivery, visibly, instead of the workflow task for ever.
  const problem = deliverInputProblem(input);
  if (problem) {
    log.warn('delivery input refused', { problem });
    return end('failed', `Switchyard cannot carry out this delivery: ${problem}.`);
  }

  // The webhook's delay: a timer here only for runs started before the start itself carried it
  // (deliverWebhookStart); their histories must replay.
  if (input.delayMs && !input.test) await wait(input.delayMs);
  // A start the server held back (startDelay) that a retryNow ended early, or a run a retry-now's
  // signal-with-start created: that signal asked for this attempt, not also to skip the countdown
  // after it (as wait() above consumes it). Input fields, so runs started before replay unchanged.
  if (input.startDelayMs || input.startedBySignal) wake = false;

  // An ordered delivery's first attempt waits for its turn: the lane lets it through once every
  // delivery of an earlier event of its key has ended. Retry-now does not jump the lane; cancel
  // takes the delivery out of it.
  if (input.lane && !cancelled) {
    status.waitingForLane = true;
    await joinLane({ lane: input.lane, deliveryId: input.deliveryId, workflowId: workflowInfo().workflowId });
    await condition(() => laneTurn || cancelled);
    status.waitingForLane = false;
    wake = false;
  }

  let firstAttemptAt: number | undefined;
  for (let n = 1; ; n++) {
    let slot: number | undefined;
    let result;
    // `throttled`: the webhook's rate limit had no token. That is not an attempt: wait for the slot
    // the answer gave (capped, so a missed wake-up still re-checks), then ask again with it.
    for (;;) {
      if (cancelled) return end('cancelled', 'cancelled by request');
      status.state = 'attempting';
      status.nextAttemptAt = null;
      // Workflow time, so the one-day window and the countdowns share one clock.
      firstAttemptAt ??= Date.now();
      result = await attemptDelivery({
        deliveryId: input.deliveryId,
        number: input.firstAttemptNumber + n - 1,
        cycle: input.cycle,
        test: input.test,
        ...(slot === undefined ? {} : { slot }),
      });
      if (result.outcome !== 'throttled') break;
      if (n === 1) firstAttemptAt = undefined; // the one-day window opens with an attempt made
      slot = result.slot;
      status.state = 'waiting';
      status.nextAttemptAt = new Date(Date.now() + result.waitMs).toISOString();
      await condition(() => wake || recheck || cancelled, Math.min(result.waitMs, MAX_TOKEN_WAIT_MS));
      wake = false;
      recheck = false;
    }
    status.attempts = n;
    if (result.outcome === 'delivered') {
      status.state = 'delivered';
      status.lastError = null;
      return 'delivered';
    }
    if (result.outcome === 'stopped') {
      const reason = describeStop(result.cause);
      log.info('delivery stopped', { cause: result.cause.kind });
      // Refused before sending: the activity has already settled the delivery row.
      if (!stoppedBeforeSending(result.cause)) return end('failed', reason);
      status.state = 'failed';
      status.lastError = reason;
      return 'failed';
    }
    status.lastError = result.error;
    const delay = input.test
      ? null
      : nextRetryDelayMs({
          policy: result.policy,
          attemptNumber: n,
          firstAttemptAt,
          now: Date.now(),
          random: Math.random, // deterministic inside a workflow
          retryAfterMs: result.retryAfterMs,
        });
    if (cancelled) return end('cancelled', 'cancelled by request');
    if (delay === null) return end('failed', result.error);
    status.state = 'retrying';
    // The countdown runs from the failed attempt, not from the end of the bookkeeping after it.
    const due = Date.now() + delay;
    await scheduleRetry({ deliveryId: input.deliveryId, nextAttemptAt: due });
    await wait(Math.max(0, due - Date.now()));
  }
}

// Starters are typed with the contract's signature: keep the workflow to it.
deliverWebhook satisfies DeliverWebhookWorkflow;
