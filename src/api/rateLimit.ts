import { RateLimitedError } from '../errors';

/**
 * A token bucket per caller (account, admin or inbound channel): `rate` requests a second on
 * average with bursts up to `burst`. In memory, per API process: it protects the process and the
 * database from one runaway client, it is not a billing meter.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();

  constructor(
    private readonly rate: number,
    private readonly burst: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Throws RateLimitedError (429) with the seconds to wait when `key` has no token left. */
  take(key: string): void {
    if (this.rate <= 0) return;
    const t = this.now();
    const b = this.buckets.get(key) ?? { tokens: this.burst, at: t };
    b.tokens = Math.min(this.burst, b.tokens + ((t - b.at) / 1000) * this.rate);
    b.at = t;
    if (b.tokens < 1) {
      this.buckets.set(key, b);
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / this.rate));
      throw new RateLimitedError(`Too many requests; retry after ${retryAfter} s.`, retryAfter);
    }
    b.tokens -= 1;
    this.buckets.set(key, b);
    // Idle callers are forgotten so the map cannot grow without bound.
    if (this.buckets.size > 10_000) {
      for (const [k, v] of this.buckets) if (t - v.at > 60_000) this.buckets.delete(k);
    }
  }
}
