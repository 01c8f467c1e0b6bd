import type { ActivityDeps } from './deps';
import { sendSigned } from './http';
import { newId } from '../ids';
import { JOB_RUN_TIMEOUT_MS } from '../rules/jobRetry';
import { channelIds, type JobTrigger } from '../workflows/channels/contract';

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

interface ChannelRow {
  id: string;
  account_id: string;
  release: string;
  mode: string;
  connector_url: string;
  connector_headers: string | null;
  connector_secret: string | null;
  webhook_jobs: Record<string, { delay: string | null; emergency_job_period: string | null }>;
  recurring_jobs: Record<string, { main_job_period: string | null }>;
}

interface JobRunRow {
  id: string;
  account_id: string;
  channel_id: string;
  job_type: string;
  trigger: string;
  status: string;
  scheduled_for: Date | null;
  trigger_payloads: unknown[];
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
  const now = async (): Promise<Date> => (deps.clock ? deps.clock() : new Date());

  async function finish(id: string, status: 'succeeded' | 'failed', fields: Record<string, unknown>) {
    await db('job_runs')
      .where({ id })
      .update({ status, finished_at: await now(), next_attempt_at: null, ...fields });
  }

  return {
    /**
     * One connector call for a job run: claim the run (pending → running, which also closes the
     * coalescing window of a webhook run), POST, record the answer. Idempotent on finished runs.
     */
    async attemptJobRun(input: AttemptJobInput): Promise<AttemptJobResult> {
      const startedAt = await now();
      const claimed = await db.transaction(async (trx) => {
        const run = (await trx('job_runs').where({ id: input.jobRunId }).forUpdate().first()) as
          JobRunRow | undefined;
        if (!run) return { kind: 'missing' as const };
        if (run.status === 'succeeded' || run.status === 'failed') return { kind: 'done' as const, run };
        await trx('job_runs')
          .where({ id: run.id })
          .update({
            status: 'running',
            attempts: input.attempt,
            started_at: trx.raw('coalesce(started_at, ?)', [startedAt]),
            next_attempt_at: null,
          });
        const channel = (await trx('channels').where({ id: run.channel_id }).first()) as
          ChannelRow | undefined;
        return { kind: 'claimed' as const, run, channel };
      });
      if (claimed.kind === 'missing') {
        // The request that made it was rolled back after Temporal had accepted the signal.
        return { status: 'failed', error: 'job run not found' };
      }
      if (claimed.kind === 'done') {
        return { status: claimed.run.status as 'succeeded' | 'failed', error: null };
      }
      const { run, channel } = claimed;
      if (!channel) {
        await finish(run.id, 'failed', { error: 'the channel was deleted' });
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
        secret: secrets.openNullable(channel.connector_secret),
        timeoutMs: JOB_RUN_TIMEOUT_MS,
        now: startedAt,
      });
      metrics.jobRuns.inc({ outcome: res.ok ? 'succeeded' : (res.errorKind ?? 'failed') });
      const answer = { status_code: res.statusCode, result: resultOf(res.responseBody) };
      if (res.ok) {
        await finish(run.id, 'succeeded', { ...answer, error: null });
        return { status: 'succeeded', error: null };
      }
      if (input.retryDelayMs === null) {
        await finish(run.id, 'failed', { ...answer, error: res.error });
        return { status: 'failed', error: res.error };
      }
      await db('job_runs')
        .where({ id: run.id })
        .update({
          ...answer,
          error: res.error,
          next_attempt_at: new Date(startedAt.getTime() + input.retryDelayMs),
        });
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
          status: 'pending',
          scheduled_for: scheduledFor,
          workflow_id: channelIds.jobRun(id),
          origin: `${input.origin}:${c.id}`,
        };
      });
      await db('job_runs').insert(rows).onConflict('origin').ignore();
      const stored = (await db('job_runs')
        .whereIn(
          'origin',
          rows.map((r) => r.origin),
        )
        .select('id', 'channel_id')) as Array<{ id: string; channel_id: string }>;
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
      const channel = (await db('channels')
        .where({ id: input.channelId ?? '', account_id: input.accountId })
        .first()) as ChannelRow | undefined;
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
    const setting = (await db('account_recurring_jobs')
      .where({ account_id: input.accountId, job_type: input.jobType })
      .first()) as { enabled: boolean; period: string | null } | undefined;
    if (!setting || !setting.enabled || setting.period === null) return null;
    return (await db('channels')
      .where({ account_id: input.accountId, release: 'stable', mode: 'recurring' })
      .orderBy('id')) as ChannelRow[];
  }
}
