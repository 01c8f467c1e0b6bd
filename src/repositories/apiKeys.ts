// The api_keys table: its row and its SQL. Keys are stored as their sha256 (hashKey), never in clear.
import type { Db } from '../db/knex';
import { paginate, type Page } from '../db/paginate';

/** How stale `last_used_at` may get: at most one write per key and minute, however busy the key. */
export const LAST_USED_RESOLUTION_MS = 60_000;

export interface ApiKeyRow {
  id: string;
  account_id: string;
  key_hash: string;
  /** The first characters of the key, so an operator can tell keys apart. */
  prefix: string;
  created_at: Date;
  revoked_at: Date | null;
  /** When the key last authenticated a request, to within LAST_USED_RESOLUTION_MS. */
  last_used_at: Date | null;
}

/** What may be shown of a key: never the key, its hash or its prefix. */
export type ApiKeyListing = Pick<ApiKeyRow, 'id' | 'created_at' | 'last_used_at'>;

export function createApiKeysRepository(db: Db) {
  return {
    async insert(
      key: Pick<ApiKeyRow, 'id' | 'account_id' | 'key_hash' | 'prefix'>,
      trx: Db = db,
    ): Promise<void> {
      await trx('api_keys').insert(key);
    },

    /** The live key with this hash: one index lookup per authenticated request. */
    async findActive(
      keyHash: string,
    ): Promise<Pick<ApiKeyRow, 'id' | 'account_id' | 'last_used_at'> | undefined> {
      return (await db('api_keys')
        .where({ key_hash: keyHash })
        .whereNull('revoked_at')
        .first('id', 'account_id', 'last_used_at')) as
        Pick<ApiKeyRow, 'id' | 'account_id' | 'last_used_at'> | undefined;
    },

    /** Records a use, unless one was recorded within the resolution (the condition makes races cheap). */
    async touch(id: string, now: Date): Promise<void> {
      const staleBefore = new Date(now.getTime() - LAST_USED_RESOLUTION_MS);
      await db('api_keys')
        .where({ id })
        .where((q) => {
          void q.whereNull('last_used_at').orWhere('last_used_at', '<', staleBefore);
        })
        .update({ last_used_at: now });
    },

    /** The account's live keys, newest first. */
    async listActive(
      accountId: string,
      opts: { limit: number; cursor?: string | undefined },
    ): Promise<Page<ApiKeyListing>> {
      const query = db('api_keys')
        .where({ account_id: accountId })
        .whereNull('revoked_at')
        .select('id', 'created_at', 'last_used_at');
      return paginate<ApiKeyListing>(query, opts);
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
