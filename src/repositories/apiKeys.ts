// The api_keys table: its row and its SQL. Keys are stored as their sha256 (hashKey), never in clear.
import type { Db } from '../db/knex';

export interface ApiKeyRow {
  id: string;
  account_id: string;
  key_hash: string;
  /** The first characters of the key, so an operator can tell keys apart. */
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
}

export function createApiKeysRepository(db: Db) {
  return {
    async insert(
      key: Pick<ApiKeyRow, 'id' | 'account_id' | 'key_hash' | 'prefix'>,
      trx: Db = db,
    ): Promise<void> {
      await trx('api_keys').insert(key);
    },

    /** The live key with this hash: one index lookup per authenticated request. */
    async findActive(keyHash: string): Promise<Pick<ApiKeyRow, 'id' | 'account_id'> | undefined> {
      return (await db('api_keys')
        .where({ key_hash: keyHash })
        .whereNull('revoked_at')
        .first('id', 'account_id')) as Pick<ApiKeyRow, 'id' | 'account_id'> | undefined;
    },

    /** Whether a live key of the account was revoked (false: none such). */
    async revoke(accountId: string, keyId: string): Promise<boolean> {
      const n = await db('api_keys')
        .where({ id: keyId, account_id: accountId })
        .whereNull('revoked_at')
        .update({ revoked_at: db.fn.now() });
      return n > 0;
    },
  };
}

export type ApiKeysRepository = ReturnType<typeof createApiKeysRepository>;
