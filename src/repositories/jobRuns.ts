// The job_runs table: its row and its SQL. A run's row is written by the API (webhook and manual
// runs), by the createJobRuns activity (emergency and recurring runs) and by attemptJobRun.
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';
import { purgeBatch } from '../db/purge';
import type { JobRunOutcome, JobRunStatus, JobTrigger } from '../workflows/channels/contract';

export interface JobRunRow {
  id: string;
  account_id: string;
  /** No foreign key: the run log outlives a deleted channel. */
  channel_id: string;
  job_type: string;
  trigger: JobTrigger;
  status: JobRunStatus;
  scheduled_for: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  next_attempt_at: Date | null;
  attempts: number;
  status_code: number | null;
  result: unknown;
  error: string | null;
  /** Bodies of the inbound webhooks that triggered or joined the run. */
  trigger_payloads: unknown[];
  trigger_count: number;
  payload_bytes: number;
  workflow_id: string | null;
  /** Unique per workflow run and purpose: a retried activity finds the rows it already made. */
  origin: string | null;
  created_at: Date;
}

/** A new pending run; `trigger_payloads` is JSON text (an array). */
export type NewJobRun = Pick<
  JobRunRow,
  'id' | 'account_id' | 'channel_id' | 'job_type' | 'trigger' | 'scheduled_for' | 'workflow_id'
> & {
  status: 'pending';
  origin?: string;
  trigger_payloads?: string;
  trigger_count?: number;
  payload_bytes?: number;
};

/** What a connector answered; `result` is JSON text. */
export interface JobRunAnswer {
  status_code: number | null;
  result: string | null;
  error: string | null;
}

// The list leaves out the (possibly large) inbound bodies; a single run has them.
const LIST_COLUMNS = [
  'id',
  'channel_id',
  'job_type',
  'trigger',
  'status',
  'scheduled_for',
  'started_at',
  'finished_at',
  'next_attempt_at',
  'attempts',
  'status_code',
  'result',
  'error',
  'trigger_count',
  'workflow_id',
  'created_at',
] as const satisfies ReadonlyArray<keyof JobRunRow>;

export type JobRunListRow = Pick<JobRunRow, (typeof LIST_COLUMNS)[number]>;

export interface JobRunFilter {
  limit: number;
  cursor?: string | undefined;
  channel_id?: string | undefined;
  job_type?: string | undefined;
  trigger?: string | undefined;
  status?: string | undefined;
}

/** Another request inserted this channel's waiting webhook run first (at most one may wait). */
export class PendingWebhookRunExistsError extends Error {
  constructor() {
    super('a pending webhook run for this channel and job type exists already');
    this.name = 'PendingWebhookRunExistsError';
  }
}

/** PostgreSQL's SQLSTATE for a unique violation: only the partial index on pending webhook runs can raise it here. */
const UNIQUE_VIOLATION = '23505';

export function createJobRunsRepository(db: Db) {
  return {
    async list(accountId: string, f: JobRunFilter): Promise<Page<JobRunListRow>> {
      const query = db('job_runs').where({ account_id: accountId }).select(LIST_COLUMNS);
      for (const key of ['channel_id', 'job_type', 'trigger', 'status'] as const)
        if (f[key]) query.where(key, f[key]);
      return paginate<JobRunListRow>(query, f);
    },

    async find(accountId: string, id: string): Promise<JobRunRow | undefined> {
      return (await db('job_runs').where({ id, account_id: accountId }).first()) as JobRunRow | undefined;
    },

    /** A run by id, held (FOR UPDATE) until `trx` ends: the claim of one attempt. */
    async findForUpdate(id: string, trx: Db): Promise<JobRunRow | undefined> {
      return (await trx('job_runs').where({ id }).forUpdate().first()) as JobRunRow | undefined;
    },

    /** pending/running → running for this attempt; started_at keeps the first attempt's time. */
    async markRunning(id: string, attempt: number, startedAt: Date, trx: Db): Promise<void> {
      await trx('job_runs')
        .where({ id })
        .update({
          status: 'running',
          attempts: attempt,
          started_at: trx.raw('coalesce(started_at, ?)', [startedAt]),
          next_attempt_at: null,
        });
    },

    /** Ends a run; `conn` writes inside a caller's transaction. */
    async finish(
      id: string,
      outcome: JobRunOutcome,
      finishedAt: Date,
      answer: Partial<JobRunAnswer>,
      conn: Db = db,
    ): Promise<void> {
      await conn('job_runs')
        .where({ id })
        .update({ status: outcome, finished_at: finishedAt, next_attempt_at: null, ...answer });
    },

    /** A failed attempt with another to come. */
    async recordRetry(id: string, answer: JobRunAnswer, nextAttemptAt: Date): Promise<void> {
      await db('job_runs')
        .where({ id })
        .update({ ...answer, next_attempt_at: nextAttemptAt });
    },

    async insert(run: NewJobRun, trx: Db = db): Promise<void> {
      await trx('job_runs').insert(run);
    },

    /**
     * Inserts the waiting run of a webhook. A second one for the same channel and job type is
     * refused with PendingWebhookRunExistsError (the transaction is spent: retry it whole).
     */
    async insertWebhookRun(run: NewJobRun & { trigger: 'webhook' }, trx: Db): Promise<void> {
      try {
        await trx('job_runs').insert(run);
      } catch (err) {
        if ((err as { code?: unknown }).code === UNIQUE_VIOLATION) throw new PendingWebhookRunExistsError();
        throw err;
      }
    },

    /** Inserts runs keyed by `origin`, keeping the ones a previous try made; returns them all. */
    async insertOnce(
      runs: Array<NewJobRun & { origin: string }>,
      conn: Db = db,
    ): Promise<Array<Pick<JobRunRow, 'id' | 'channel_id'>>> {
      await conn('job_runs').insert(runs).onConflict('origin').ignore();
      return (await conn('job_runs')
        .whereIn(
          'origin',
          runs.map((r) => r.origin),
        )
        .select('id', 'channel_id')) as Array<Pick<JobRunRow, 'id' | 'channel_id'>>;
    },

    /** The webhook run of a channel and job type still waiting out its delay, held until `trx` ends. */
    async findPendingWebhookRun(
      channelId: string,
      jobType: string,
      trx: Db,
    ): Promise<Pick<JobRunRow, 'id' | 'trigger_count' | 'payload_bytes'> | undefined> {
      return (await trx('job_runs')
        .where({ channel_id: channelId, job_type: jobType, trigger: 'webhook', status: 'pending' })
        .forUpdate()
        .first('id', 'trigger_count', 'payload_bytes')) as
        Pick<JobRunRow, 'id' | 'trigger_count' | 'payload_bytes'> | undefined;
    },

    /** One more webhook joins a waiting run; its body (JSON text) is kept only when `keep`. */
    async joinWebhookRun(id: string, body: string, bytes: number, keep: boolean, trx: Db): Promise<void> {
      await trx('job_runs')
        .where({ id })
        .update({
          trigger_count: trx.raw('trigger_count + 1'),
          ...(keep
            ? {
                trigger_payloads: trx.raw('trigger_payloads || ?::jsonb', [`[${body}]`]),
                payload_bytes: trx.raw('payload_bytes + ?', [bytes]),
              }
            : {}),
        });
    },

    /**
     * Retention: deletes up to `limit` runs that finished (succeeded or failed) before `cutoff`,
     * oldest first. A pending or running run is never touched.
     */
    async purgeFinished(cutoff: Date, limit: number): Promise<number> {
      const { rows } = await purgeBatch(db, {
        table: 'job_runs',
        alias: 'r',
        key: ['id'],
        where: `r.status in ('succeeded', 'failed') and r.finished_at < ?`,
        bindings: [cutoff],
        orderBy: 'r.finished_at',
        limit,
      });
      return rows;
    },

    /** Runs of a deleted channel still waiting out a delay fail now rather than after it; answers them. */
    async failPending(channelId: string, error: string, trx: Db): Promise<JobRunRow[]> {
      return (await trx('job_runs')
        .where({ channel_id: channelId, status: 'pending' })
        .update({ status: 'failed', error, finished_at: trx.fn.now() })
        .returning('*')) as JobRunRow[];
    },

    /** When a webhook job of this channel and type last succeeded; null: never. */
    async lastWebhookSuccess(channelId: string, jobType: string, conn: Db = db): Promise<Date | null> {
      const row = (await conn('job_runs')
        .where({ channel_id: channelId, job_type: jobType, trigger: 'webhook', status: 'succeeded' })
        .max({ at: 'finished_at' })
        .first()) as { at: Date | string | null } | undefined;
      return row?.at ? new Date(row.at) : null;
    },
  };
}

export type JobRunsRepository = ReturnType<typeof createJobRunsRepository>;
