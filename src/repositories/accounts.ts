// The accounts table: its row and its SQL.
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';

export interface AccountRow {
  id: string;
  name: string;
  created_at: Date;
}

export function createAccountsRepository(db: Db) {
  return {
    async insert(account: Pick<AccountRow, 'id' | 'name'>, trx: Db = db): Promise<AccountRow> {
      const [row] = (await trx('accounts').insert(account).returning('*')) as AccountRow[];
      return row!;
    },

    async list(opts: { limit: number; cursor?: string | undefined }): Promise<Page<AccountRow>> {
      return paginate<AccountRow>(db('accounts').select('*'), opts);
    },

    async find(id: string): Promise<AccountRow | undefined> {
      return (await db('accounts').where({ id }).first()) as AccountRow | undefined;
    },
  };
}

export type AccountsRepository = ReturnType<typeof createAccountsRepository>;
