import {
  continueAsNew,
  executeChild,
  getExternalWorkflowHandle,
  isCancellation,
  log,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  channelIds,
  channelWorkflowTypes,
  inboundSignal,
  runJobChild,
  webhookJobSucceededSignal,
  type JobRunOutcome,
  type QueuedRun,
  type RunJobWorkflow,
  type WebhookJobInput,
  type WebhookJobWorkflow,
} from './contract';
import { SA } from '../../searchAttributes';

/** Runs handled before continuing as new, so a channel that never goes quiet keeps a bounded history. */
const RUNS_PER_EXECUTION = 100;

/**
 * One per (channel, job type) while webhook runs are pending, on the deterministic id
 * channelIds.webhookJob(channel, jobType). The inbound endpoint signals-with-start it with the job run
 * the webhook belongs to: webhooks that arrive during a run's delay joined that run's row in
 * PostgreSQL and signal the same id, which is ignored here; a webhook that arrives once the run
 * has started gets a new run, queued behind it.
 */
export const webhookJob: WebhookJobWorkflow = async function webhookJob(input) {
  const queue: QueuedRun[] = [...(input.queue ?? [])];
  const seen = new Set(queue.map((q) => q.jobRunId));
  setHandler(inboundSignal, ({ jobRunId, delayMs }) => {
    if (seen.has(jobRunId)) return;
    seen.add(jobRunId);
    // The delay counts from the first webhook of the run, on the workflow's own clock.
    queue.push({ jobRunId, dueAtMs: Date.now() + Math.max(0, delayMs) });
  });
  // Children carry search attributes only when this workflow does (the server has them registered).
  const tagged = workflowInfo().typedSearchAttributes.get(SA.account) !== undefined;

  let runs = 0;
  while (queue.length > 0) {
    const next = queue[0]!;
    const wait = next.dueAtMs - Date.now();
    if (wait > 0) await sleep(wait);
    let outcome: JobRunOutcome = 'failed';
    try {
      outcome = await executeChild<RunJobWorkflow>(
        channelWorkflowTypes.runJob,
        runJobChild({ ...input, jobRunId: next.jobRunId, trigger: 'webhook' }, tagged),
      );
    } catch (err) {
      // A run terminated from the Web UI must not take the runs queued behind it down too.
      if (isCancellation(err)) throw err;
      log.warn('webhook job run did not complete', { jobRunId: next.jobRunId, error: String(err) });
    }
    queue.shift();
    runs++;
    if (outcome === 'succeeded') await reportSuccess(input);
    if (queue.length > 0 && (runs >= RUNS_PER_EXECUTION || workflowInfo().continueAsNewSuggested)) {
      await continueAsNew<typeof webhookJob>({ ...input, queue });
    }
  }
  return { runs };
};

/** Re-arms the emergency timer; there is none when the job type has no emergency period. */
async function reportSuccess(input: WebhookJobInput): Promise<void> {
  try {
    await getExternalWorkflowHandle(channelIds.emergency(input.channelId, input.jobType)).signal(
      webhookJobSucceededSignal,
    );
  } catch (err) {
    if (isCancellation(err)) throw err;
    log.debug('no emergency watchdog to re-arm', { channelId: input.channelId, jobType: input.jobType });
  }
}
