// The account_recurring_jobs table (one row per account and job type): its row and its SQL.
import type { Db } from '../db/knex';

export interface AccountRecurringJobRow {
  account_id: string;
  job_type: string;
  enabled: boolean;
  period: string | null;
  shift: string | null;
  jitter: string | null;
  created_at: Date;
  updated_at: Date;
}

/** The setting itself, without the bookkeeping columns. */
export type AccountRecurringJobSetting = Omit<AccountRecurringJobRow, 'created_at' | 'updated_at'>;

export function createAccountRecurringJobsRepository(db: Db) {
  return {
    /** An account's settings, by job type. */
    async listForAccount(accountId: string): Promise<AccountRecurringJobRow[]> {
      return (await db('account_recurring_jobs')
        .where({ account_id: accountId })
        .orderBy('job_type')) as AccountRecurringJobRow[];
    },

    async listAll(): Promise<AccountRecurringJobRow[]> {
      return (await db('account_recurring_jobs').select('*')) as AccountRecurringJobRow[];
    },

    /** One setting; `lock` holds the row (FOR UPDATE) until `trx` ends. */
    async find(
      accountId: string,
      jobType: string,
      opts: { trx?: Db; lock?: boolean } = {},
    ): Promise<AccountRecurringJobRow | undefined> {
      const query = (opts.trx ?? db)('account_recurring_jobs')
        .where({ account_id: accountId, job_type: jobType })
        .first();
      return (await (opts.lock ? query.forUpdate() : query)) as AccountRecurringJobRow | undefined;
    },

    async upsert(setting: AccountRecurringJobSetting, trx: Db = db): Promise<AccountRecurringJobRow> {
      const [row] = (await trx('account_recurring_jobs')
        .insert({ ...setting, updated_at: trx.fn.now() })
        .onConflict(['account_id', 'job_type'])
        .merge()
        .returning('*')) as AccountRecurringJobRow[];
      return row!;
    },
  };
}

export type AccountRecurringJobsRepository = ReturnType<typeof createAccountRecurringJobsRepository>;
