import { toIso } from '../schemas/common';
import type { Db } from '../db/knex';
import { NotFoundError } from '../errors';
import { createJobRunsRepository, type JobRunFilter, type JobRunListRow } from '../repositories/jobRuns';

function present(r: JobRunListRow) {
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
  const jobRuns = createJobRunsRepository(db);
  return {
    async list(accountId: string, f: JobRunFilter) {
      const page = await jobRuns.list(accountId, f);
      return { data: page.data.map(present), next_cursor: page.next_cursor };
    },

    async get(accountId: string, id: string) {
      const row = await jobRuns.find(accountId, id);
      if (!row) throw new NotFoundError('job run', id);
      return { ...present(row), trigger_payloads: row.trigger_payloads ?? [] };
    },
  };
}
