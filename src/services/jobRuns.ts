import { toIso } from '../schemas/common';
import type { Db } from '../db/knex';
import { paginate } from '../db/paginate';
import { NotFoundError } from '../errors';

interface JobRunRow {
  id: string;
  channel_id: string;
  job_type: string;
  trigger: string;
  status: string;
  scheduled_for: Date | null;
  started_at: Date | null;
  finished_at: Date | null;
  next_attempt_at: Date | null;
  attempts: number;
  status_code: number | null;
  result: unknown;
  error: string | null;
  trigger_count: number;
  trigger_payloads: unknown[];
  workflow_id: string | null;
  created_at: Date;
}

export interface JobRunFilter {
  limit: number;
  cursor?: string | undefined;
  channel_id?: string | undefined;
  job_type?: string | undefined;
  trigger?: string | undefined;
  status?: string | undefined;
}

// The list leaves out the (possibly large) inbound bodies; GET /v1/job-runs/{id} has them.
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
];

function present(r: JobRunRow) {
  return {
    id: r.id,
    channel_id: r.channel_id,
    job_type: r.job_type,
    trigger: r.trigger,
    status: r.status,
    scheduled_for: toIso(r.scheduled_for),
    started_at: toIso(r.started_at),
    finished_at: toIso(r.finished_at),
    next_attempt_at: toIso(r.next_attempt_at),
    attempts: r.attempts,
    status_code: r.status_code,
    result: r.result ?? null,
    error: r.error,
    trigger_count: r.trigger_count,
    workflow_id: r.workflow_id,
    created_at: toIso(r.created_at) as string,
  };
}

export function createJobRunsService(db: Db) {
  return {
    async list(accountId: string, f: JobRunFilter) {
      const query = db('job_runs').where({ account_id: accountId }).select(LIST_COLUMNS);
      for (const key of ['channel_id', 'job_type', 'trigger', 'status'] as const)
        if (f[key]) query.where(key, f[key]);
      const page = await paginate<JobRunRow>(query, f);
      return { data: page.data.map(present), next_cursor: page.next_cursor };
    },

    async get(accountId: string, id: string) {
      const row = (await db('job_runs').where({ id, account_id: accountId }).first()) as
        JobRunRow | undefined;
      if (!row) throw new NotFoundError('job run', id);
      return { ...present(row), trigger_payloads: row.trigger_payloads ?? [] };
    },
  };
}
