// The live API keys this process has seen lately, by key hash: a request with a known key skips
// the api_keys read. Bounded (least recently used out first) and short-lived: a key revoked in
// this process is dropped at once (the accounts service invalidates it), one revoked by another
// process is refused here within the TTL. Unknown or revoked keys are never cached.

/** How long a key is trusted without reading api_keys again (revocation by another process). */
export const API_KEY_CACHE_TTL_MS = 5_000;
/** Keys kept at most; beyond, the least recently used goes. */
export const API_KEY_CACHE_MAX = 1_000;

export interface CachedKey {
  id: string;
  account_id: string;
  /** As last read or written by this process; a use is recorded when it is a minute old. */
  last_used_at: Date | null;
}

export function createApiKeyCache(opts: { ttlMs?: number; max?: number; now?: () => number } = {}) {
  const ttlMs = opts.ttlMs ?? API_KEY_CACHE_TTL_MS;
  const max = opts.max ?? API_KEY_CACHE_MAX;
  const now = opts.now ?? Date.now;
  const entries = new Map<string, { key: CachedKey; expires: number }>();
  // Bumped by every invalidation: a read that began before it must not cache what it read.
  let generation = 0;

  return {
    get(keyHash: string): CachedKey | undefined {
      const entry = entries.get(keyHash);
      if (!entry) return undefined;
      entries.delete(keyHash);
      if (entry.expires <= now()) return undefined;
      entries.set(keyHash, entry); // most recently used last
      return entry.key;
    },

    /** A token for `set`: take it before reading the key from the database. */
    generation(): number {
      return generation;
    },

    /** Caches a live key read since `readAt` (a generation), unless a key was revoked meanwhile. */
    set(keyHash: string, key: CachedKey, readAt: number): void {
      if (readAt !== generation) return;
      entries.delete(keyHash);
      entries.set(keyHash, { key, expires: now() + ttlMs });
      while (entries.size > max) entries.delete(entries.keys().next().value as string);
    },

    /** Drops a key (by its id) at once: it was revoked. */
    invalidate(keyId: string): void {
      generation++;
      for (const [hash, entry] of entries) if (entry.key.id === keyId) entries.delete(hash);
    },

    get size(): number {
      return entries.size;
    },
  };
}

export type ApiKeyCache = ReturnType<typeof createApiKeyCache>;
