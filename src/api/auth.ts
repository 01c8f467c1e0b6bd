import { timingSafeEqual } from 'node:crypto';
import { hashKey } from '../secrets';
import type { Request } from 'express';
import type { Db } from '../db/knex';
import { ForbiddenError, UnauthorizedError } from '../errors';
import { createApiKeysRepository, LAST_USED_RESOLUTION_MS } from '../repositories/apiKeys';
import { createApiKeyCache, type ApiKeyCache } from '../services/apiKeyCache';

/** How a route authenticates: the admin key, an account key, none, or the route's own scheme. */
export type AuthMode = 'admin' | 'account' | 'none' | 'custom';

export type Principal =
  { kind: 'admin' } | { kind: 'account'; accountId: string; keyId: string } | { kind: 'none' };

export function bearerToken(req: Request): string | undefined {
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1];
}

/**
 * Account keys are looked up by their hash in `cache` first (see src/services/apiKeyCache.ts: a
 * few seconds, bounded), then in api_keys; pass the cache the accounts service invalidates on
 * revocation, so a key revoked here is refused at once.
 */
export function createAuthenticator(db: Db, adminKey: string, cache: ApiKeyCache = createApiKeyCache()) {
  const adminHash = Buffer.from(hashKey(adminKey), 'hex');
  const apiKeys = createApiKeysRepository(db);

  async function principalFor(token: string): Promise<Principal | undefined> {
    const hash = hashKey(token);
    if (timingSafeEqual(Buffer.from(hash, 'hex'), adminHash)) return { kind: 'admin' };
    let key = cache.get(hash);
    if (!key) {
      const readAt = cache.generation();
      const row = await apiKeys.findActive(hash);
      if (!row) return undefined;
      key = { id: row.id, account_id: row.account_id, last_used_at: row.last_used_at };
      cache.set(hash, key, readAt);
    }
    // last_used_at is written at most once a minute per key: the cached or read value tells when
    // it is due (and the statement's own condition keeps other processes to the same).
    const now = new Date();
    if (
      !key.last_used_at ||
      now.getTime() - new Date(key.last_used_at).getTime() >= LAST_USED_RESOLUTION_MS
    ) {
      await apiKeys.touch(key.id, now);
      key.last_used_at = now;
    }
    return { kind: 'account', accountId: key.account_id, keyId: key.id };
  }

  return async function authenticate(req: Request, mode: AuthMode): Promise<Principal> {
    if (mode === 'none' || mode === 'custom') return { kind: 'none' };
    const token = bearerToken(req);
    if (!token) throw new UnauthorizedError();
    const principal = await principalFor(token);
    if (!principal) throw new UnauthorizedError('The API key is not valid or has been revoked.');
    if (mode === 'admin' && principal.kind !== 'admin') {
      throw new ForbiddenError('This endpoint needs the admin key.');
    }
    if (mode === 'account' && principal.kind !== 'account') {
      throw new ForbiddenError('This endpoint needs an account key; the admin key only manages accounts.');
    }
    return principal;
  };
}

export type Authenticate = ReturnType<typeof createAuthenticator>;

export function accountOf(principal: Principal): string {
  if (principal.kind !== 'account') throw new ForbiddenError('This endpoint needs an account key.');
  return principal.accountId;
}
