// A webhook's rate limit (`rate_limit: {max, per}`) as a token bucket: capacity `max`, refilled at
// `max` per `per`, one token per attempt started, so over any interval of length T at most
// max·(T/per + 1) attempts start. Pure: the attempt activity reads the bucket's stored state under
// a row lock (src/repositories/rateBuckets.ts), applies takeToken and stores what it returns.
//
// Denied requests are not told "try again later" all alike (a thundering herd waking at the same
// instant): each gets a slot of its own, the time its token will be there, spaced per/max apart
// behind the bucket's queue tail. Newcomers queue behind the waiters; a waiter back at its slot gets
// the token. The slot is only a hint: the grant is always decided against the real bucket when the
// request comes back, so the bound holds even when timers fire late (a worker crashed, a backlog)
// and a crowd of late waiters arrives together: the bucket grants what it holds, and the rest get
// new, distinct slots.

/** A throttled delivery sleeps at most this long before it asks again (a missed wake-up still re-checks). */
export const MAX_TOKEN_WAIT_MS = 5 * 60_000;

/** Floating-point slack when a waiter arrives exactly at the slot its token was computed for. */
const EPSILON = 1e-9;

export interface RateLimitRule {
  /** Capacity, and tokens added per `perMs`. */
  max: number;
  perMs: number;
}

/** A bucket as stored. Times are milliseconds since the epoch, on the one clock every caller uses. */
export interface BucketState {
  /** Tokens in the bucket at `at` (0..max, fractional between refills). */
  tokens: number;
  at: number;
  /** The latest slot handed to a waiter; null when none was (or since a reset). */
  tail: number | null;
}

/**
 * Who asks: a request that has not waited (it queues behind the waiters), or a waiter coming back
 * with the slot it was given (at or after it: its turn; before it: it keeps its place).
 */
export type TakeRequest = { kind: 'new' } | { kind: 'waiter'; slot: number };

export type TakeDecision =
  | { granted: true; state: BucketState }
  /** `state` is the very object passed in when nothing changed (an early waiter): no write needed. */
  | { granted: false; slot: number; waitMs: number; state: BucketState };

/** A new bucket: full. */
export function fullBucket(limit: RateLimitRule, now: number): BucketState {
  return { tokens: limit.max, at: now, tail: null };
}

/** Decides one request at `now` against the stored bucket (`prev`; null: none stored yet). */
export function takeToken(
  prev: BucketState | null,
  limit: RateLimitRule,
  now: number,
  request: TakeRequest,
): TakeDecision {
  const gap = limit.perMs / limit.max;
  const stored = prev ?? fullBucket(limit, now);
  const tail = stored.tail;
  // A slot beyond the tail was handed out by a bucket since reset (the limit changed): the request
  // starts over as a new one.
  const waiter = request.kind === 'waiter' && tail !== null && request.slot <= tail ? request : null;
  if (waiter && now < waiter.slot) {
    // Back early (a capped sleep, a wake-up): its place in the queue stands.
    return {
      granted: false,
      slot: waiter.slot,
      waitMs: Math.max(1, Math.ceil(waiter.slot - now)),
      state: stored,
    };
  }
  // A clock that went back refills nothing (and never lets `at` go back).
  const at = Math.max(now, stored.at);
  const tokens = Math.min(limit.max, stored.tokens + (at - stored.at) / gap);
  const queued = tail !== null && tail > now;
  if ((waiter !== null || !queued) && tokens >= 1 - EPSILON) {
    return { granted: true, state: { tokens: Math.max(0, tokens - 1), at, tail } };
  }
  // The next free slot: behind the last one handed out, and no earlier than this bucket's next token.
  const slot = Math.ceil(Math.max(tail === null ? -Infinity : tail + gap, at + (1 - tokens) * gap));
  return { granted: false, slot, waitMs: Math.max(1, slot - now), state: { tokens, at, tail: slot } };
}
