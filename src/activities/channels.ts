import { Context } from '@temporalio/activity';
import type { ActivityDeps } from './deps';
import { openSigningSecrets, sendSigned } from './http';
import { createActivityOperationalEvents } from './operationalEvents';
import { inTransaction } from '../db/afterCommit';
import { newId } from '../ids';
import { JOB_RUN_TIMEOUT_MS } from '../rules/jobRetry';
import { emergencyJobStarted, jobRunFailed } from '../rules/operationalEvents';
import { createAccountRecurringJobsRepository } from '../repositories/accountRecurringJobs';
import { createChannelsRepository, type ChannelRow } from '../repositories/channels';
import { createJobRunsRepository, type JobRunAnswer, type JobRunRow } from '../repositories/jobRuns';
import { channelIds, type JobTrigger } from '../workflows/channels/contract';

/** Activity attempts that look for a job run whose row is not committed yet. */
const MISSING_RUN_TRIES = 3;

export interface AttemptJobInput {
  jobRunId: string;
  /** 1-based attempt number. */
  attempt: number;
  /** Wait before the next attempt if this one fails; null when it is the last one. */
  retryDelayMs: number | null;
}

export type AttemptJobResult = { status: 'succeeded' | 'failed' | 'retry'; error: string | null };

export interface CreateRunsInput {
  accountId: string;
  jobType: string;
  trigger: Extract<JobTrigger, 'recurring' | 'emergency'>;
  /** Recurring: which schedule fired. Emergency runs are always for one channel. */
  release?: 'stable' | 'beta';
  channelId?: string;
  scheduledForMs: number;
  /** Unique per workflow run and purpose: a retried activity finds the rows it already made. */
  origin: string;
}

export interface CreateRunsResult {
  runs: Array<{ jobRunId: string; channelId: string }>;
  /** The configuration no longer asks for this (mode switched, period removed, channel deleted). */
  stale: boolean;
  /** Whether child workflows carry Switchyard search attributes (off on servers without them). */
  searchAttributes: boolean;
}

/** The connector's answer as `result`: its JSON, or the (truncated) text when it is not JSON. */
function resultOf(body: string | null): string | null {
  if (body === null || body === '') return null;
  try {
    JSON.parse(body);
    return body;
  } catch {
    return JSON.stringify(body);
  }
}

export function createChannelActivities(deps: ActivityDeps) {
  const { db, secrets, metrics, logger } = deps;
  const channels = createChannelsRepository(db);
  const jobRuns = createJobRunsRepository(db);
  const recurringSettings = createAccountRecurringJobsRepository(db);
  const operational = createActivityOperationalEvents(deps);
  const now = async (): Promise<Date> => (deps.clock ? deps.clock() : new Date());

  async function succeed(id: string, answer: Partial<JobRunAnswer>) {
    await jobRuns.finish(id, 'succeeded', await now(), answer);
  }

  /** The run fails for good, and switchyard.job_run.failed is recorded with it (once per run). */
  async function fail(run: JobRunRow, answer: Partial<JobRunAnswer> & { error: string | null }) {
    const finishedAt = await now();
    await inTransaction(db, async (trx, after) => {
      await jobRuns.finish(run.id, 'failed', finishedAt, answer, trx);
      await operational.record(
        trx,
        after,
        jobRunFailed({ accountId: run.account_id, occurredAt: finishedAt }, run, answer.error),
      );
    });
  }

  return {
    /**
     * One connector call for a job run: claim the run (pending → running, which also closes the
     * coalescing window of a webhook run), POST, record the answer. Idempotent on finished runs.
     */
    async attemptJobRun(input: AttemptJobInput): Promise<AttemptJobResult> {
      const startedAt = await now();
      const claimed = await db.transaction(async (trx) => {
        const run = await jobRuns.findForUpdate(input.jobRunId, trx);
        if (!run) return { kind: 'missing' as const };
        if (run.status === 'succeeded' || run.status === 'failed')
          return { kind: 'done' as const, outcome: run.status };
        await jobRuns.markRunning(run.id, input.attempt, startedAt, trx);
        const channel = await channels.findById(run.channel_id, trx);
        return { kind: 'claimed' as const, run, channel };
      });
      if (claimed.kind === 'missing') {
        // A manual run and an inbound webhook start their workflow inside the transaction that
        // writes the run, so that a refused start writes nothing: under load this attempt can come
        // before that commit. Temporal retries the activity (1 s, then 2 s); still missing after
        // that, the request was rolled back after Temporal had accepted the start.
        if (Context.current().info.attempt < MISSING_RUN_TRIES)
          throw new Error(`job run ${input.jobRunId} not found (yet)`);
        return { status: 'failed', error: 'job run not found' };
      }
      if (claimed.kind === 'done') {
        return { status: claimed.outcome, error: null };
      }
      const { run, channel } = claimed;
      if (!channel) {
        await fail(run, { error: 'the channel was deleted' });
        return { status: 'failed', error: 'the channel was deleted' };
      }

      const body = JSON.stringify({
        job_run: {
          id: run.id,
          job_type: run.job_type,
          trigger: run.trigger,
          channel_id: run.channel_id,
          account_id: run.account_id,
          scheduled_for: run.scheduled_for ? new Date(run.scheduled_for).toISOString() : null,
        },
        trigger_payloads: run.trigger_payloads ?? [],
      });
      const connectorHeaders = channel.connector_headers
        ? (JSON.parse(secrets.open(channel.connector_headers)) as Record<string, string>)
        : {};
      const res = await sendSigned(deps.http, {
        url: channel.connector_url,
        body,
        headers: {
          ...connectorHeaders,
          'x-switchyard-job-run': run.id,
          'x-switchyard-job-type': run.job_type,
          'x-switchyard-trigger': run.trigger,
          'x-switchyard-attempt': String(input.attempt),
        },
        messageId: run.id,
        // Both secrets while a rotated-out one is kept, decided at this attempt's own time.
        signingSecrets: openSigningSecrets(
          secrets,
          {
            current: channel.connector_secret,
            old: channel.old_connector_secret,
            oldExpiresAt: channel.old_connector_secret_expires_at,
          },
          startedAt,
        ),
        timeoutMs: JOB_RUN_TIMEOUT_MS,
        now: startedAt,
      });
      metrics.jobRuns.inc({ outcome: res.ok ? 'succeeded' : (res.errorKind ?? 'failed') });
      const answer = { status_code: res.statusCode, result: resultOf(res.responseBody) };
      if (res.ok) {
        await succeed(run.id, { ...answer, error: null });
        return { status: 'succeeded', error: null };
      }
      if (input.retryDelayMs === null) {
        await fail(run, { ...answer, error: res.error });
        return { status: 'failed', error: res.error };
      }
      await jobRuns.recordRetry(
        run.id,
        { ...answer, error: res.error },
        new Date(startedAt.getTime() + input.retryDelayMs),
      );
      return { status: 'retry', error: res.error };
    },

    /** Job-run rows for an emergency or recurring trigger, one per channel the configuration still asks for. */
    async createJobRuns(input: CreateRunsInput): Promise<CreateRunsResult> {
      const searchAttributes = deps.searchAttributes ?? true;
      const channels = await targetChannels(input);
      if (channels === null) return { runs: [], stale: true, searchAttributes };
      if (channels.length === 0) return { runs: [], stale: false, searchAttributes };
      const scheduledFor = new Date(input.scheduledForMs);
      const rows = channels.map((c) => {
        const id = newId('jrun');
        return {
          id,
          account_id: input.accountId,
          channel_id: c.id,
          job_type: input.jobType,
          trigger: input.trigger,
          status: 'pending' as const,
          scheduled_for: scheduledFor,
          workflow_id: channelIds.jobRun(id),
          origin: `${input.origin}:${c.id}`,
        };
      });
      // An emergency run and its switchyard.emergency_job.started are created together, once
      // (a retried activity finds its run by origin, and the event by the run's id).
      const stored = await inTransaction(db, async (trx, after) => {
        const runs = await jobRuns.insertOnce(rows, trx);
        if (input.trigger !== 'emergency') return runs;
        const at = await now();
        for (const run of runs) {
          const lastSuccess = await jobRuns.lastWebhookSuccess(run.channel_id, input.jobType, trx);
          await operational.record(
            trx,
            after,
            emergencyJobStarted(
              { accountId: input.accountId, occurredAt: at },
              {
                job_run_id: run.id,
                channel_id: run.channel_id,
                job_type: input.jobType,
                last_success_at: lastSuccess ? lastSuccess.toISOString() : null,
              },
            ),
          );
        }
        return runs;
      });
      logger.debug({ ...input, runs: stored.length }, 'job runs created');
      return {
        runs: stored.map((r) => ({ jobRunId: r.id, channelId: r.channel_id })),
        stale: false,
        searchAttributes,
      };
    },
  };

  /** The channels a trigger still applies to; null when the trigger itself is stale. */
  async function targetChannels(input: CreateRunsInput): Promise<ChannelRow[] | null> {
    if (input.trigger === 'emergency' || input.release === 'beta') {
      const channel = await channels.find(input.accountId, input.channelId ?? '');
      if (!channel) return null;
      if (input.trigger === 'emergency') {
        const ok = channel.mode === 'webhook' && channel.webhook_jobs[input.jobType]?.emergency_job_period;
        return ok ? [channel] : null;
      }
      const ok =
        channel.release === 'beta' &&
        channel.mode === 'recurring' &&
        channel.recurring_jobs[input.jobType]?.main_job_period;
      return ok ? [channel] : null;
    }
    const setting = await recurringSettings.find(input.accountId, input.jobType);
    if (!setting || !setting.enabled || setting.period === null) return null;
    return channels.listStableRecurring(input.accountId);
  }
}
