import { WorkflowExecutionAlreadyStartedError } from '@temporalio/common';
import {
  condition,
  continueAsNew,
  ParentClosePolicy,
  proxyActivities,
  setHandler,
  startChild,
  upsertMemo,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  channelWorkflowTypes,
  reconfigureSignal,
  runJobChild,
  stopSignal,
  webhookJobSucceededSignal,
  type EmergencyWatchdogWorkflow,
  type RunJobWorkflow,
  type WatchdogInput,
} from './contract';

const { createJobRuns } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const CYCLES_PER_RUN = 200;

/**
 * One long-lived watchdog per (channel, job type) with an emergency period, on the id
 * channelIds.emergency(channel, jobType). If no webhook job succeeds for a period, it starts an
 * emergency run, and again every period; each success cancels the pending timer and re-arms it.
 * `reconfigure` with a new period re-arms it at once (the same period changes nothing, so
 * start-up reconciliation never pushes a deadline out); `stop` ends it. The last of the two wins.
 */
export const emergencyWatchdog: EmergencyWatchdogWorkflow = async function emergencyWatchdog(input) {
  let periodMs = input.periodMs;
  let succeeded = false;
  let stopped = false;
  let newPeriod: number | undefined;
  setHandler(webhookJobSucceededSignal, () => {
    succeeded = true;
  });
  setHandler(reconfigureSignal, ({ periodMs: p }) => {
    stopped = false;
    newPeriod = p === periodMs ? undefined : p;
  });
  setHandler(stopSignal, () => {
    stopped = true;
  });

  let dueAt = input.dueAtMs ?? Date.now() + periodMs;
  const cyclesPerRun = input.cyclesPerRun ?? CYCLES_PER_RUN;
  for (let cycle = 1; ; cycle++) {
    // Read by GET /v1/channels/{id}/jobs (emergency_due_at) without needing a worker.
    upsertMemo({ emergencyDueAt: new Date(dueAt).toISOString(), periodMs });
    const woken = await condition(
      () => succeeded || stopped || newPeriod !== undefined,
      Math.max(1, dueAt - Date.now()),
    );
    if (stopped) return 'stopped';
    if (newPeriod !== undefined) {
      periodMs = newPeriod;
      newPeriod = undefined;
      succeeded = false;
      dueAt = Date.now() + periodMs;
    } else if (woken) {
      succeeded = false;
      dueAt = Date.now() + periodMs;
    } else {
      if ((await startEmergencyRun(input, dueAt)) === 'stale') return 'stale';
      // Fixed cadence from the deadline; after a long outage (the run started more than a period
      // late), one run and then a full period, not a second run straight after the late one.
      const next = dueAt + periodMs;
      dueAt = next > Date.now() ? next : Date.now() + periodMs;
    }
    // Not while a signal handled during this cycle's emergency run is still unread: the next
    // pass of the loop takes it in first (continuing as new now would drop it).
    const unread = succeeded || stopped || newPeriod !== undefined;
    if (!unread && (cycle >= cyclesPerRun || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof emergencyWatchdog>({ ...input, periodMs, dueAtMs: dueAt });
    }
  }
};

async function startEmergencyRun(input: WatchdogInput, dueAt: number): Promise<'started' | 'stale'> {
  const { runs, stale, searchAttributes } = await createJobRuns({
    accountId: input.accountId,
    jobType: input.jobType,
    channelId: input.channelId,
    trigger: 'emergency',
    scheduledForMs: dueAt,
    origin: `${workflowInfo().runId}:${dueAt}`,
  });
  if (stale) return 'stale';
  for (const run of runs) {
    // Not awaited to completion: the next period is counted from this deadline, not from the end
    // of a run that may be retrying.
    try {
      await startChild<RunJobWorkflow>(channelWorkflowTypes.runJob, {
        ...runJobChild({ ...input, jobRunId: run.jobRunId, trigger: 'emergency' }, searchAttributes),
        parentClosePolicy: ParentClosePolicy.ABANDON,
      });
    } catch (err) {
      // The run's workflow id is its job run's: one that exists already needs no second start.
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    }
  }
  return 'started';
}
