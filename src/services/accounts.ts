import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';
import { NotFoundError } from '../errors';
import { newId, randomToken } from '../ids';
import { hashKey } from '../secrets';

export interface AccountRow {
  id: string;
  name: string;
  created_at: Date;
}

export function newApiKey(): { key: string; prefix: string } {
  const key = `sy_${randomToken(20)}`;
  return { key, prefix: key.slice(0, 7) };
}

export function createAccountsService(db: Db) {
  async function insertKey(trx: Db, accountId: string) {
    const { key, prefix } = newApiKey();
    const id = newId('key');
    await trx('api_keys').insert({ id, account_id: accountId, key_hash: hashKey(key), prefix });
    return { key_id: id, api_key: key };
  }

  return {
    async create(name: string) {
      return db.transaction(async (trx) => {
        const id = newId('acc');
        const [row] = (await trx('accounts').insert({ id, name }).returning('*')) as AccountRow[];
        const { key_id, api_key } = await insertKey(trx, id);
        return { account: row as AccountRow, keyId: key_id, apiKey: api_key };
      });
    },

    async list(opts: { limit: number; cursor?: string | undefined }): Promise<Page<AccountRow>> {
      return paginate<AccountRow>(db('accounts').select('*'), opts);
    },

    async get(id: string): Promise<AccountRow> {
      const row = (await db('accounts').where({ id }).first()) as AccountRow | undefined;
      if (!row) throw new NotFoundError('account', id);
      return row;
    },

    async addKey(accountId: string) {
      await this.get(accountId);
      return insertKey(db, accountId);
    },

    async revokeKey(accountId: string, keyId: string): Promise<void> {
      const n = await db('api_keys')
        .where({ id: keyId, account_id: accountId })
        .whereNull('revoked_at')
        .update({ revoked_at: db.fn.now() });
      if (n === 0) throw new NotFoundError('key', keyId);
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
