// The contract of the retention workflow family (purgeRetention, the action of the daily
// `switchyard-retention` Schedule): its type name, input and result, the steps and their
// activity's input, the schedule and workflow ids, the schedule's timing, and its start options.
// The schedule's reconciliation (src/services/retention.ts), the workflow and the activity
// (src/activities/retention.ts) take them from here.
// Bundled into the workflow sandbox: only @temporalio/workflow, @temporalio/common, pure modules and
// type-only imports. It never imports the workflow module (that imports this).
import type { ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import { TASK_QUEUE } from '../../constants';
import type { WorkflowStart } from '../../temporal/workflowStart';

export const retentionWorkflowTypes = { purgeRetention: 'purgeRetention' } as const;

/** The Schedule's id, and the id of the workflows it starts (Temporal appends the fire time). */
export const RETENTION_SCHEDULE_ID = 'switchyard-retention';

const HOUR_MS = 3_600_000;
/** Daily, at 03:00 UTC: epoch-anchored like every Switchyard schedule (every 1d, offset 3h). */
export const RETENTION_INTERVAL = { everyMs: 24 * HOUR_MS, offsetMs: 3 * HOUR_MS } as const;

export interface PurgeRetentionInput {
  /** SWITCHYARD_RETENTION in ms: rows finished longer ago than this go. */
  retentionMs: number;
  /** Rows per delete statement (default RETENTION_BATCH_SIZE); tests make it small. */
  batchSize?: number;
}

/** Rows deleted, by kind. */
export interface PurgeCounts {
  deliveries: number;
  /** The attempts of those deliveries. */
  attempts: number;
  events: number;
  /** `ordering_keys` counters of keys with no event left. */
  orderingKeys: number;
  jobRuns: number;
  notifications: number;
}

export interface PurgeRetentionResult extends PurgeCounts {
  /** Rows finished before this instant (RFC 3339) were purged. */
  cutoff: string;
}

export type PurgeRetentionWorkflow = (input: PurgeRetentionInput) => Promise<PurgeRetentionResult>;

/**
 * The steps, one activity each, in this order: deliveries go before the events they belong to (an
 * event goes once none of its deliveries remains), and events before the counters of their keys.
 */
export const RETENTION_STEPS = ['deliveries', 'events', 'orderingKeys', 'jobRuns', 'notifications'] as const;
export type RetentionStep = (typeof RETENTION_STEPS)[number];

/** The input of the purgeExpired activity: one step, in batches, up to its end. */
export interface PurgeStepInput {
  step: RetentionStep;
  /** RFC 3339; the same for every step of a run. */
  cutoff: string;
  batchSize: number;
}

export function noPurgeCounts(): PurgeCounts {
  return { deliveries: 0, attempts: 0, events: 0, orderingKeys: 0, jobRuns: 0, notifications: 0 };
}

/** Adds `more` to `into`, in place. */
export function addPurgeCounts(into: PurgeCounts, more: Partial<PurgeCounts>): PurgeCounts {
  for (const key of Object.keys(into) as Array<keyof PurgeCounts>) into[key] += more[key] ?? 0;
  return into;
}

/** The action of the `switchyard-retention` Schedule. */
export function purgeRetentionAction(
  input: PurgeRetentionInput,
  opts: { taskQueue?: string } = {},
): ScheduleOptionsStartWorkflowAction<PurgeRetentionWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: retentionWorkflowTypes.purgeRetention,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowId: RETENTION_SCHEDULE_ID,
    args: [input],
  };
}

/** A purge started by hand (tests; operators trigger the Schedule instead). */
export function purgeRetentionStart(
  workflowId: string,
  input: PurgeRetentionInput,
  opts: { taskQueue?: string } = {},
): WorkflowStart<PurgeRetentionWorkflow> {
  return {
    workflowType: retentionWorkflowTypes.purgeRetention,
    options: { workflowId, taskQueue: opts.taskQueue ?? TASK_QUEUE, args: [input] },
  };
}
