import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { executeChild, isCancellation, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import {
  channelWorkflowTypes,
  runJobChild,
  type RecurringJobWorkflow,
  type RunJobWorkflow,
} from './contract';

const { createJobRuns } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

// Set by Temporal on every workflow a Schedule starts: the fire time the run belongs to.
const SCHEDULED_START = defineSearchAttributeKey('TemporalScheduledStartTime', SearchAttributeType.DATETIME);

/**
 * The action of a recurring-job Schedule: stable → the job once for each stable channel of the
 * account in recurring mode; beta → the job for its one channel. Each channel's run is its own
 * child workflow, so one failing connector never fails or delays another's run.
 */
export const recurringJob: RecurringJobWorkflow = async function recurringJob(input) {
  const info = workflowInfo();
  const scheduledFor = info.typedSearchAttributes.get(SCHEDULED_START)?.getTime() ?? Date.now();
  const { runs, searchAttributes } = await createJobRuns({
    accountId: input.accountId,
    jobType: input.jobType,
    trigger: 'recurring',
    release: input.release,
    ...(input.channelId ? { channelId: input.channelId } : {}),
    scheduledForMs: scheduledFor,
    origin: info.runId,
  });
  const outcomes = await Promise.all(
    runs.map(async (run) => {
      try {
        return await executeChild<RunJobWorkflow>(
          channelWorkflowTypes.runJob,
          runJobChild(
            { accountId: input.accountId, jobType: input.jobType, ...run, trigger: 'recurring' },
            searchAttributes,
          ),
        );
      } catch (err) {
        if (isCancellation(err)) throw err;
        log.warn('recurring job run did not complete', { jobRunId: run.jobRunId, error: String(err) });
        return 'failed' as const;
      }
    }),
  );
  const succeeded = outcomes.filter((o) => o === 'succeeded').length;
  return { channels: runs.length, succeeded, failed: runs.length - succeeded };
};
