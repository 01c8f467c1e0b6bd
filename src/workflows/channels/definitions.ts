// Signals, inputs and names shared by the channel workflows and their clients (the API's
// reconciler, the inbound endpoint). Workflow-safe: only @temporalio/workflow and types.
import type { SearchAttributePair } from '@temporalio/common';
import { defineSignal } from '@temporalio/workflow';
import { SA } from '../../searchAttributes';

export type JobTrigger = 'webhook' | 'recurring' | 'emergency' | 'manual';
export type JobRunStatus = 'pending' | 'running' | 'succeeded' | 'failed';

export interface RunJobInput {
  jobRunId: string;
  /** Tests shorten the retry budget; production uses JOB_RUN_MAX_ATTEMPTS. */
  maxAttempts?: number;
}

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

export interface RecurringJobInput {
  accountId: string;
  jobType: string;
  release: 'stable' | 'beta';
  /** Beta only: the one channel this schedule belongs to. */
  channelId?: string;
}

/** A webhook arrived for the channel and job type: run it (or join the waiting run). */
export const inboundSignal = defineSignal<[InboundSignal]>('inbound');
/** A webhook job succeeded: cancel the pending emergency timer and re-arm it. */
export const webhookJobSucceededSignal = defineSignal<[]>('webhookJobSucceeded');
/** The emergency period changed (idempotent when it did not). */
export const reconfigureSignal = defineSignal<[{ periodMs: number }]>('reconfigure');
/** The channel left webhook mode, lost the period, or was deleted. */
export const stopSignal = defineSignal<[]>('stop');

export const workflowNames = {
  runJob: 'runJob',
  webhookJob: 'webhookJob',
  emergencyWatchdog: 'emergencyWatchdog',
  recurringJob: 'recurringJob',
} as const;

/** Workflow id of one job run: an operator finds any run in the Web UI by its job-run id. */
export const jobRunWorkflowId = (jobRunId: string) => `job-run:${jobRunId}`;

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
