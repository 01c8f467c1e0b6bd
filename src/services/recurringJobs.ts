import { channelIds } from '../workflows/channels/contract';
import type { Db } from '../db/knex';
import { NotFoundError, UnavailableError, ValidationError } from '../errors';
import type { Logger } from '../logger';
import { stableSettingProblems } from '../rules/channelConfig';
import { isJobType, JOB_TYPE_NAMES } from '../rules/jobTypes';
import { toIso } from '../schemas/common';
import {
  createAccountRecurringJobsRepository,
  type AccountRecurringJobRow,
  type AccountRecurringJobSetting,
} from '../repositories/accountRecurringJobs';
import { stableTarget, type Automation } from './automation';

export type StableSettingInput = Omit<AccountRecurringJobSetting, 'account_id' | 'job_type'>;

/**
 * Account-level recurring jobs: one Temporal Schedule per (account, job type), whose action runs
 * the job for every stable channel of the account in recurring mode. Beta schedules are never
 * touched from here.
 */
export function createRecurringJobsService(db: Db, automation: Automation, logger: Logger) {
  const settings = createAccountRecurringJobsRepository(db);

  async function view(accountId: string, jobType: string, row: AccountRecurringJobRow | undefined) {
    const scheduleId = row?.period ? channelIds.stableSchedule(accountId, jobType) : null;
    return {
      job_type: jobType,
      enabled: row?.enabled ?? false,
      period: row?.period ?? null,
      shift: row?.shift ?? null,
      jitter: row?.jitter ?? null,
      schedule_id: scheduleId,
      next_run_times: scheduleId ? await automation.nextRunTimes(scheduleId) : [],
      updated_at: toIso(row?.updated_at),
    };
  }

  function known(jobType: string): void {
    if (!isJobType(jobType)) throw new NotFoundError('job type', jobType);
  }

  return {
    /** Every job type of the catalogue; the ones never configured read as disabled with no period. */
    async list(accountId: string) {
      const rows = await settings.listForAccount(accountId);
      const byType = new Map(rows.map((r) => [r.job_type, r]));
      return Promise.all(JOB_TYPE_NAMES.map((t) => view(accountId, t, byType.get(t))));
    },

    async get(accountId: string, jobType: string) {
      known(jobType);
      return view(accountId, jobType, await settings.find(accountId, jobType));
    },

    async put(accountId: string, jobType: string, input: StableSettingInput) {
      known(jobType);
      const problems = stableSettingProblems(input);
      if (problems.length) throw new ValidationError(problems);
      const scheduleId = channelIds.stableSchedule(accountId, jobType);
      const next: AccountRecurringJobSetting = { account_id: accountId, job_type: jobType, ...input };
      let previous: AccountRecurringJobSetting | undefined;
      let touched = false;
      try {
        const row = await db.transaction(async (trx) => {
          previous = await settings.find(accountId, jobType, { trx, lock: true });
          const saved = await settings.upsert(next, trx);
          touched = true;
          await automation.syncSchedule(scheduleId, stableTarget(next));
          return saved;
        });
        return view(accountId, jobType, row);
      } catch (err) {
        if (!touched) throw err;
        const restore = previous ? stableTarget(previous) : null;
        await automation
          .syncSchedule(scheduleId, restore)
          .catch((e: unknown) =>
            logger.warn({ err: e, scheduleId }, 'could not restore a schedule after a failed change'),
          );
        throw new UnavailableError(
          `Temporal did not accept the change (${(err as Error).message}); nothing was changed.`,
        );
      }
    },
  };
}
