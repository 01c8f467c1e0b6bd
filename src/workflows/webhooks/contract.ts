// The contract of the webhooks workflow family (deliverWebhook, dispatchEvent): type names, inputs,
// results, signals and the query, workflow ids, and the start options of every starter. Starters
// (services, the fan-out activity, tests, bench, scripts) build a WorkflowStart here and run it
// with src/temporal/workflowStart.ts, so a start is checked against the workflow's signature.
// Bundled into the workflow sandbox, so it imports only @temporalio/workflow, @temporalio/common,
// pure modules and types; never the workflow modules themselves (they import this, to be checked).
import type { WorkflowIdConflictPolicy, WorkflowIdReusePolicy } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { TASK_QUEUE } from '../../constants';
import { deliverInputProblem } from '../../rules/deliveryInput';
import { deliveryAttributes, dispatchAttributes } from '../../searchAttributes';
import type { WorkflowStart } from '../../temporal/workflowStart';
import type { LaneRef } from '../lanes/contract';

export const webhookWorkflowTypes = {
  deliverWebhook: 'deliverWebhook',
  dispatchEvent: 'dispatchEvent',
} as const;

// --- deliverWebhook ---------------------------------------------------------------------------

export interface DeliverInput {
  deliveryId: string;
  /**
   * Wait before the first attempt (the webhook's `delay`) as a timer inside the workflow; null:
   * none. deliverWebhookStart moves a fan-out start's delay out of the workflow, into the start
   * (`startDelay`, see there), and passes null here; the timer remains for runs started before it
   * did (their histories must replay) and for an input the workflow must refuse.
   */
  delayMs: number | null;
  /**
   * The server held this run's first workflow task back this long (the start's `startDelay`, the
   * webhook's `delay`); a signal cut it short. Absent: the start was not delayed.
   */
  startDelayMs?: number;
  /**
   * Set by the deliveries service on the input of a signal-with-start (retry-now, cancel): if that
   * call starts the run, the signal is already delivered when it begins. Absent on older runs.
   */
  startedBySignal?: boolean;
  /** 1 for the original delivery; each manual resend of a finished delivery is a new cycle. */
  cycle: number;
  /** Attempt numbers continue across cycles so the attempt log stays unambiguous. */
  firstAttemptNumber: number;
  /** A test delivery: one attempt, no delay, no retries. */
  test: boolean;
  /**
   * The lane of a `per_key` webhook's first cycle (src/workflows/lanes): the run joins it before its
   * first attempt, waits for its turn, and leaves when it ends. Absent: not ordered.
   */
  lane?: LaneRef;
}

export type DeliveryState = 'waiting' | 'attempting' | 'retrying' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryStatus {
  state: DeliveryState;
  /** Set while the delivery waits for its turn in its lane (state `waiting`). */
  waitingForLane?: boolean;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

/** The workflow's signature; src/workflows/webhooks/deliverWebhook.ts is checked against it. */
export type DeliverWebhookWorkflow = (input: DeliverInput) => Promise<DeliveryState>;

// A run in its start delay (deliverWebhookStart) wakes for a signal-with-start only: a plain signal
// (the Web UI's, the CLI's) is recorded, and seen when the delay is over. The service signals with start.
/** Wake a sleeping delivery and attempt now. */
export const retryNowSignal = defineSignal('retryNow');
/** Stop a pending delivery; an attempt under way finishes first. */
export const cancelSignal = defineSignal('cancel');
/** From the delivery's lane: its turn has come (src/workflows/lanes/deliveryLane.ts). */
export const laneTurnSignal = defineSignal('laneTurn');
/**
 * The webhook's rate limit changed (or the webhook was disabled or deleted): a delivery waiting for
 * a token asks again now (src/services/webhooks.ts sends it to each one). Ignored otherwise.
 */
export const rateLimitChangedSignal = defineSignal('rateLimitChanged');
/** Live state, for operators (Web UI "Queries" tab) and tests; refused during a start delay. */
export const statusQuery = defineQuery<DeliveryStatus>('status');

// --- dispatchEvent ----------------------------------------------------------------------------

export interface DispatchInput {
  accountId: string;
  eventId: string;
}

export interface DispatchResult {
  deliveries: number;
}

/** The workflow's signature; src/workflows/webhooks/dispatchEvent.ts is checked against it. */
export type DispatchEventWorkflow = (input: DispatchInput) => Promise<DispatchResult>;

// --- ids --------------------------------------------------------------------------------------

/** Deterministic ids: a retried REST call finds the same workflow instead of starting another. */
export const webhookWorkflowIds = {
  delivery: (eventId: string, webhookId: string) => `delivery:${eventId}:${webhookId}`,
  // Event ids are the client's and unique per account only; webhook ids are global.
  dispatch: (accountId: string, eventId: string) => `dispatch:${accountId}:${eventId}`,
} as const;

// --- starts -----------------------------------------------------------------------------------

/**
 * Who starts a delivery decides what an existing run with its id means:
 * - `fanOut`: the event's first start, by its dispatchEvent fan-out or, for a small event, by the
 *   API itself (src/services/events.ts). A run that already ran or runs is left alone
 *   (REJECT_DUPLICATE), so a retried fan-out, a replayed request or the sweep starts nothing twice;
 *   `eager` asks the server to hand the first task straight back to the starting worker (only a
 *   worker's connection can).
 * - `operator`: a resend, a test or a retry-now. A new cycle reuses the id of the finished run
 *   (ALLOW_DUPLICATE), so the Web UI shows every cycle together.
 * - `cancel`: the signal-with-start of a cancel (src/services/deliveries.ts), which reaches a run in
 *   its start delay; it never starts a run over one that ran (REJECT_DUPLICATE).
 */
export type DeliveryStarter = { by: 'fanOut'; eager: boolean } | { by: 'operator' } | { by: 'cancel' };

export interface DeliveryStartInput {
  input: DeliverInput;
  /** The delivery row's workflow id (webhookWorkflowIds.delivery when it was recorded). */
  workflowId: string;
  accountId: string;
  eventId: string;
  eventType: string;
  goodsOwnerId: string | null;
  webhookId: string;
  /** The event's ordering key, for the search attribute (a lane's input carries its own). */
  orderingKey?: string | null;
  starter: DeliveryStarter;
  /** Set the Switchyard search attributes (off for servers that lack them). */
  searchAttributes: boolean;
  taskQueue?: string;
}

function deliveryPolicy(starter: DeliveryStarter): {
  workflowIdReusePolicy: WorkflowIdReusePolicy;
  requestEagerStart?: boolean;
} {
  switch (starter.by) {
    case 'fanOut':
      return { workflowIdReusePolicy: 'REJECT_DUPLICATE', requestEagerStart: starter.eager };
    case 'operator':
      return { workflowIdReusePolicy: 'ALLOW_DUPLICATE' };
    case 'cancel':
      return { workflowIdReusePolicy: 'REJECT_DUPLICATE' };
  }
}

/**
 * The delay a start hands to the server instead of the workflow: a fan-out start's `delayMs`, unless
 * the delivery is a test (never delayed) or its input is one the workflow refuses (it fails that
 * delivery visibly, with the reason). Operators' starts (resends, tests, retry-now) never delay.
 */
function startDelayOf(d: DeliveryStartInput): number | undefined {
  const { delayMs, test } = d.input;
  if (d.starter.by !== 'fanOut' || !delayMs || test || deliverInputProblem(d.input)) return undefined;
  return delayMs;
}

/**
 * A delivery's start. The webhook's `delay` is the start's `startDelay`: the server creates the run
 * at once (its id taken, so a repeated start finds it) but dispatches its first workflow task only
 * when the delay is over, which saves the timer inside the workflow (a Cloud action and five history
 * events; BENCHMARKS.md, "Temporal cost per delivery"). A signal-with-start during the delay ends it
 * (a plain signal does not: Temporal's "Start Delay" documentation): the service's `cancel` then
 * cancels before any attempt and `retryNow` attempts at once. Until that first task runs, the
 * `status` query has nothing to answer it (the server refuses it); a delayed start is never eager
 * (the server cannot hand back a task it holds back).
 */
export function deliverWebhookStart(d: DeliveryStartInput): WorkflowStart<DeliverWebhookWorkflow> {
  const cycle = d.input.cycle > 1 ? ` (cycle ${d.input.cycle})` : '';
  const startDelay = startDelayOf(d);
  const policy = deliveryPolicy(d.starter);
  return {
    workflowType: webhookWorkflowTypes.deliverWebhook,
    options: {
      taskQueue: d.taskQueue ?? TASK_QUEUE,
      workflowId: d.workflowId,
      ...(startDelay === undefined
        ? { args: [d.input], ...policy }
        : {
            args: [{ ...d.input, delayMs: null, startDelayMs: startDelay }],
            startDelay,
            workflowIdReusePolicy: policy.workflowIdReusePolicy,
          }),
      staticSummary: `${d.eventType} ${d.eventId} → webhook ${d.webhookId}${cycle}`,
      ...(d.searchAttributes
        ? {
            typedSearchAttributes: deliveryAttributes({
              accountId: d.accountId,
              webhookId: d.webhookId,
              eventType: d.eventType,
              goodsOwnerId: d.goodsOwnerId,
              orderingKey: d.orderingKey ?? d.input.lane?.orderingKey,
            }),
          }
        : {}),
    },
  };
}

export interface DispatchStartInput {
  accountId: string;
  eventId: string;
  eventType: string;
  searchAttributes: boolean;
  taskQueue?: string;
}

/**
 * Idempotent: a retried POST finds the running fan-out (USE_EXISTING), a finished one is not
 * repeated, and a failed one may run again (ALLOW_DUPLICATE_FAILED_ONLY).
 */
export function dispatchEventStart(d: DispatchStartInput): WorkflowStart<DispatchEventWorkflow> {
  const workflowIdConflictPolicy: WorkflowIdConflictPolicy = 'USE_EXISTING';
  const workflowIdReusePolicy: WorkflowIdReusePolicy = 'ALLOW_DUPLICATE_FAILED_ONLY';
  return {
    workflowType: webhookWorkflowTypes.dispatchEvent,
    options: {
      taskQueue: d.taskQueue ?? TASK_QUEUE,
      workflowId: webhookWorkflowIds.dispatch(d.accountId, d.eventId),
      args: [{ accountId: d.accountId, eventId: d.eventId }],
      workflowIdConflictPolicy,
      workflowIdReusePolicy,
      staticSummary: `${d.eventType} ${d.eventId}`,
      ...(d.searchAttributes
        ? { typedSearchAttributes: dispatchAttributes({ accountId: d.accountId, eventType: d.eventType }) }
        : {}),
    },
  };
}
