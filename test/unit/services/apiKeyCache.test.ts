// The API-key cache alone: bounded, least recently used out first, short-lived, and a revoked key
// dropped at once (even when a read that began before the revocation ends after it).
import { describe, expect, it } from 'vitest';
import { API_KEY_CACHE_MAX, createApiKeyCache } from '../../../src/services/apiKeyCache';

const key = (id: string) => ({ id, account_id: `acc_${id}`, last_used_at: null });

describe('the API-key cache', () => {
  it('keeps at most `max` keys, dropping the least recently used', () => {
    const cache = createApiKeyCache({ max: 3 });
    for (const id of ['a', 'b', 'c']) cache.set(`h${id}`, key(id), cache.generation());
    expect(cache.get('ha')?.id).toBe('a'); // a is now the most recently used: b goes next
    cache.set('hd', key('d'), cache.generation());
    expect(cache.size).toBe(3);
    expect(cache.get('hb')).toBeUndefined();
    expect(['ha', 'hc', 'hd'].map((h) => cache.get(h)?.id)).toEqual(['a', 'c', 'd']);
  });

  it('is bounded by default, however many keys are seen', () => {
    const cache = createApiKeyCache();
    for (let i = 0; i < API_KEY_CACHE_MAX + 500; i++) cache.set(`h${i}`, key(`k${i}`), cache.generation());
    expect(cache.size).toBe(API_KEY_CACHE_MAX);
    expect(cache.get('h0')).toBeUndefined();
    expect(cache.get(`h${API_KEY_CACHE_MAX + 499}`)?.id).toBe(`k${API_KEY_CACHE_MAX + 499}`);
  });

  it('forgets a key after the TTL', () => {
    let now = 1_000;
    const cache = createApiKeyCache({ ttlMs: 5_000, now: () => now });
    cache.set('h', key('a'), cache.generation());
    now += 4_999;
    expect(cache.get('h')?.id).toBe('a');
    now += 1;
    expect(cache.get('h')).toBeUndefined();
    expect(cache.size).toBe(0);
  });

  it('drops a revoked key by its id at once', () => {
    const cache = createApiKeyCache();
    cache.set('h1', key('a'), cache.generation());
    cache.set('h2', key('b'), cache.generation());
    cache.invalidate('a');
    expect(cache.get('h1')).toBeUndefined();
    expect(cache.get('h2')?.id).toBe('b');
  });

  it('does not cache what a read that began before a revocation found', () => {
    const cache = createApiKeyCache();
    const readAt = cache.generation(); // the read starts...
    cache.invalidate('a'); // ...the key is revoked meanwhile...
    cache.set('h1', key('a'), readAt); // ...and the read, which still saw it live, ends
    expect(cache.get('h1')).toBeUndefined();
  });
});
