import { proxyActivities, sleep } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { jobRetryDelayMs, JOB_RUN_MAX_ATTEMPTS, JOB_RUN_TIMEOUT_MS } from '../../rules/jobRetry';
import type { RunJobWorkflow } from './contract';

const { attemptJobRun } = proxyActivities<Activities>({
  // The connector call plus the bookkeeping around it.
  startToCloseTimeout: JOB_RUN_TIMEOUT_MS + 30_000,
  // Temporal retries only infrastructure faults (our database down); the connector's answer is
  // returned, not thrown, and retried below so every attempt is recorded and visible.
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 10 },
});

/** One job run against the channel's connector, with bounded exponential retries. */
export const runJob: RunJobWorkflow = async function runJob(input) {
  const maxAttempts = input.maxAttempts ?? JOB_RUN_MAX_ATTEMPTS;
  for (let attempt = 1; ; attempt++) {
    const retryDelayMs = jobRetryDelayMs(attempt, maxAttempts);
    const { status } = await attemptJobRun({ jobRunId: input.jobRunId, attempt, retryDelayMs });
    if (status !== 'retry' || retryDelayMs === null) return status === 'succeeded' ? 'succeeded' : 'failed';
    await sleep(retryDelayMs);
  }
};
