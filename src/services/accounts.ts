import type { Db } from '../db/knex';
import type { Page } from '../db/paginate';
import { NotFoundError } from '../errors';
import { newId, randomToken } from '../ids';
import { createAccountsRepository, type AccountRow } from '../repositories/accounts';
import { createApiKeysRepository, type ApiKeyListing } from '../repositories/apiKeys';
import { hashKey } from '../secrets';
import type { ApiKeyCache } from './apiKeyCache';

export function newApiKey(): { key: string; prefix: string } {
  const key = `sy_${randomToken(20)}`;
  return { key, prefix: key.slice(0, 7) };
}

export function createAccountsService(db: Db, keyCache?: ApiKeyCache) {
  const accounts = createAccountsRepository(db);
  const apiKeys = createApiKeysRepository(db);

  async function insertKey(trx: Db, accountId: string) {
    const { key, prefix } = newApiKey();
    const id = newId('key');
    await apiKeys.insert({ id, account_id: accountId, key_hash: hashKey(key), prefix }, trx);
    return { key_id: id, api_key: key };
  }

  return {
    async create(name: string) {
      return db.transaction(async (trx) => {
        const account = await accounts.insert({ id: newId('acc'), name }, trx);
        const { key_id, api_key } = await insertKey(trx, account.id);
        return { account, keyId: key_id, apiKey: api_key };
      });
    },

    async list(opts: { limit: number; cursor?: string | undefined }): Promise<Page<AccountRow>> {
      return accounts.list(opts);
    },

    async get(id: string): Promise<AccountRow> {
      const row = await accounts.find(id);
      if (!row) throw new NotFoundError('account', id);
      return row;
    },

    async addKey(accountId: string) {
      await this.get(accountId);
      return insertKey(db, accountId);
    },

    async listKeys(
      accountId: string,
      opts: { limit: number; cursor?: string | undefined },
    ): Promise<Page<ApiKeyListing>> {
      await this.get(accountId);
      return apiKeys.listActive(accountId, opts);
    },

    async revokeKey(accountId: string, keyId: string): Promise<void> {
      if (!(await apiKeys.revoke(accountId, keyId))) throw new NotFoundError('key', keyId);
      // Refused at once by this process; other processes drop it within API_KEY_CACHE_TTL_MS.
      keyCache?.invalidate(keyId);
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
