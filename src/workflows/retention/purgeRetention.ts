import { ApplicationFailure, log, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../../activities';
import { RETENTION_BATCH_SIZE, retentionCutoff } from '../../rules/retention';
import { addPurgeCounts, noPurgeCounts, RETENTION_STEPS, type PurgeRetentionWorkflow } from './contract';

// One activity per step, each a loop of short delete statements that heartbeats after every batch
// (a retried step resumes its counts from the last heartbeat). The database being down is what
// the retries are for; a step still failing after them fails the run, visibly, and tomorrow's
// run starts over from the oldest rows.
const { purgeExpired } = proxyActivities<Activities>({
  startToCloseTimeout: '2 hours',
  heartbeatTimeout: '2 minutes',
  retry: { initialInterval: '10s', backoffCoefficient: 2, maximumInterval: '10 minutes', maximumAttempts: 5 },
});

/**
 * The action of the `switchyard-retention` Schedule: deletes what finished longer than the
 * retention ago (finished deliveries with their attempts, events with no delivery left, counters of
 * ordering keys with no event left, finished job runs, notifications whose mail is over), step by
 * step, and answers (and logs) how many rows of each kind went. Nothing pending is deleted.
 */
export const purgeRetention: PurgeRetentionWorkflow = async function purgeRetention(input) {
  let cutoff: string;
  try {
    cutoff = retentionCutoff(Date.now(), input.retentionMs).toISOString();
  } catch (err) {
    throw ApplicationFailure.nonRetryable((err as Error).message, 'InvalidRetention');
  }
  const batchSize = input.batchSize ?? RETENTION_BATCH_SIZE;
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) {
    throw ApplicationFailure.nonRetryable(
      `batchSize must be a positive integer: ${batchSize}`,
      'InvalidRetention',
    );
  }
  const counts = noPurgeCounts();
  for (const step of RETENTION_STEPS) {
    addPurgeCounts(counts, await purgeExpired({ step, cutoff, batchSize }));
  }
  log.info('retention purge done', { cutoff, ...counts });
  return { cutoff, ...counts };
};
