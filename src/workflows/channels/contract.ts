// The contract of the channels workflow family: per workflow its type name, input, function type,
// signals, workflow and schedule ids, and start options. Workflows and every client that starts or
// signals them (services, activities, the workflows' own child starts) take these from here, so a
// start cannot drift from the workflow it starts.
// Bundled into the workflow sandbox: only @temporalio/workflow, @temporalio/common, pure modules and
// type-only imports of anything else. It never imports a workflow module (they import it).
import type { ScheduleOptionsStartWorkflowAction } from '@temporalio/client';
import type { SearchAttributePair } from '@temporalio/common';
import { defineSignal, type ChildWorkflowOptions, type WithWorkflowArgs } from '@temporalio/workflow';
import { SA } from '../../searchAttributes';
import type { WorkflowStart } from '../../temporal/workflowStart';

export type JobTrigger = 'webhook' | 'recurring' | 'emergency' | 'manual';
export type JobRunStatus = 'pending' | 'running' | 'succeeded' | 'failed';

/** Workflow type names: what the worker registers and the Web UI shows. */
export const channelWorkflowTypes = {
  runJob: 'runJob',
  webhookJob: 'webhookJob',
  emergencyWatchdog: 'emergencyWatchdog',
  recurringJob: 'recurringJob',
} as const;

/**
 * Deterministic ids, so a retried call finds the workflow or schedule instead of making another
 * and an operator finds any of them in the Web UI.
 */
export const channelIds = {
  /** One job run: its job-run id. */
  jobRun: (jobRunId: string) => `job-run:${jobRunId}`,
  emergency: (channelId: string, jobType: string) => `emergency:${channelId}:${jobType}`,
  webhookJob: (channelId: string, jobType: string) => `webhook-job:${channelId}:${jobType}`,
  stableSchedule: (accountId: string, jobType: string) => `stable:${accountId}:${jobType}`,
  betaSchedule: (channelId: string, jobType: string) => `beta:${channelId}:${jobType}`,
  /** The workflow a recurring-job Schedule starts (Temporal appends the fire time). */
  recurringJob: (scheduleId: string) => `recurring:${scheduleId}`,
} as const;

/** Prefixes of the schedule ids above: reconciliation removes only schedules it owns. */
export const SCHEDULE_PREFIXES = ['stable:', 'beta:'] as const;

/** Where a start goes and whether it carries Switchyard search attributes (servers without them refuse). */
export interface StartOptions {
  taskQueue: string;
  searchAttributes: boolean;
}

/** Search attributes of a channel workflow, so runs can be filtered by account, channel and job type. */
export function jobAttributes(a: {
  accountId: string;
  channelId?: string | undefined;
  jobType: string;
}): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SA.account, value: a.accountId },
    { key: SA.jobType, value: a.jobType },
  ];
  if (a.channelId) pairs.push({ key: SA.channel, value: a.channelId });
  return pairs;
}

function tagged(searchAttributes: boolean, a: Parameters<typeof jobAttributes>[0]) {
  return searchAttributes ? { typedSearchAttributes: jobAttributes(a) } : {};
}

// ── runJob ──────────────────────────────────────────────────────────────────────────────────────

export interface RunJobInput {
  jobRunId: string;
  /** Tests shorten the retry budget; production uses JOB_RUN_MAX_ATTEMPTS. */
  maxAttempts?: number;
}
export type JobRunOutcome = 'succeeded' | 'failed';
export type RunJobWorkflow = (input: RunJobInput) => Promise<JobRunOutcome>;

/** One job run, whatever started it. */
export interface JobRunIdentity {
  jobRunId: string;
  accountId: string;
  channelId: string;
  jobType: string;
  trigger: JobTrigger;
}

const TRIGGER_LABELS: Record<JobTrigger, string> = {
  webhook: 'webhook job',
  recurring: 'recurring',
  emergency: 'emergency',
  manual: 'manual',
};

function runJobOptions(run: JobRunIdentity, searchAttributes: boolean) {
  const args: [RunJobInput] = [{ jobRunId: run.jobRunId }];
  return {
    workflowId: channelIds.jobRun(run.jobRunId),
    args,
    staticSummary: `${TRIGGER_LABELS[run.trigger]} ${run.jobType} for channel ${run.channelId}`,
    ...tagged(searchAttributes, run),
  };
}

/** A job run started by a channel workflow: on its parent's task queue. */
export function runJobChild(
  run: JobRunIdentity,
  searchAttributes: boolean,
): WithWorkflowArgs<RunJobWorkflow, ChildWorkflowOptions> {
  return runJobOptions(run, searchAttributes);
}

/** A job run started from the API (a manual run). */
export function runJobStart(run: JobRunIdentity, opts: StartOptions): WorkflowStart<RunJobWorkflow> {
  return {
    workflowType: channelWorkflowTypes.runJob,
    options: { ...runJobOptions(run, opts.searchAttributes), taskQueue: opts.taskQueue },
  };
}

// ── webhookJob ──────────────────────────────────────────────────────────────────────────────────

export interface WebhookJobInput {
  accountId: string;
  channelId: string;
  jobType: string;
  /** Runs still to do, carried over continue-as-new. */
  queue?: QueuedRun[];
}

export interface QueuedRun {
  jobRunId: string;
  /** Workflow time (ms) when the run's delay is over. */
  dueAtMs: number;
}

export interface InboundSignal {
  jobRunId: string;
  delayMs: number;
}

export type WebhookJobWorkflow = (input: WebhookJobInput) => Promise<{ runs: number }>;

/** A webhook arrived for the channel and job type: run it (or join the waiting run). */
export const inboundSignal = defineSignal<[InboundSignal]>('inbound');

/** The channel's webhook-job workflow, to be signalled-with-start with inboundSignal. */
export function webhookJobStart(
  c: { accountId: string; channelId: string; jobType: string },
  opts: StartOptions,
): WorkflowStart<WebhookJobWorkflow> {
  return {
    workflowType: channelWorkflowTypes.webhookJob,
    options: {
      workflowId: channelIds.webhookJob(c.channelId, c.jobType),
      taskQueue: opts.taskQueue,
      args: [{ accountId: c.accountId, channelId: c.channelId, jobType: c.jobType }],
      staticSummary: `webhook jobs: ${c.jobType} for channel ${c.channelId}`,
      ...tagged(opts.searchAttributes, c),
    },
  };
}

// ── emergencyWatchdog ───────────────────────────────────────────────────────────────────────────

export interface WatchdogInput {
  accountId: string;
  channelId: string;
  jobType: string;
  periodMs: number;
  /** Carried over continue-as-new, so a new run keeps the pending deadline. */
  dueAtMs?: number;
  /** Continue-as-new after this many cycles (tests use a small number). */
  cyclesPerRun?: number;
}

export type EmergencyWatchdogWorkflow = (input: WatchdogInput) => Promise<'stopped' | 'stale'>;

/** A webhook job succeeded: cancel the pending emergency timer and re-arm it. */
export const webhookJobSucceededSignal = defineSignal<[]>('webhookJobSucceeded');
/** The emergency period changed (idempotent when it did not). */
export const reconfigureSignal = defineSignal<[{ periodMs: number }]>('reconfigure');
/** The channel left webhook mode, lost the period, or was deleted. */
export const stopSignal = defineSignal<[]>('stop');

/** The watchdog of one (channel, job type), to be signalled-with-start with reconfigureSignal. */
export function emergencyWatchdogStart(
  input: WatchdogInput,
  opts: StartOptions,
): WorkflowStart<EmergencyWatchdogWorkflow> {
  return {
    workflowType: channelWorkflowTypes.emergencyWatchdog,
    options: {
      workflowId: channelIds.emergency(input.channelId, input.jobType),
      taskQueue: opts.taskQueue,
      args: [input],
      staticSummary: `emergency timer: ${input.jobType} for channel ${input.channelId}`,
      ...tagged(opts.searchAttributes, input),
    },
  };
}

// ── recurringJob ────────────────────────────────────────────────────────────────────────────────

export interface RecurringJobInput {
  accountId: string;
  jobType: string;
  release: 'stable' | 'beta';
  /** Beta only: the one channel this schedule belongs to. */
  channelId?: string;
}

export type RecurringJobWorkflow = (
  input: RecurringJobInput,
) => Promise<{ channels: number; succeeded: number; failed: number }>;

/** The action of a recurring-job Schedule. */
export function recurringJobAction(
  scheduleId: string,
  input: RecurringJobInput,
  opts: StartOptions,
): ScheduleOptionsStartWorkflowAction<RecurringJobWorkflow> {
  return {
    type: 'startWorkflow',
    workflowType: channelWorkflowTypes.recurringJob,
    taskQueue: opts.taskQueue,
    workflowId: channelIds.recurringJob(scheduleId),
    args: [input],
    ...tagged(opts.searchAttributes, input),
  };
}
