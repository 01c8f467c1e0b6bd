/**
 * Checks one webhook's attempts against its `rate_limit` {max N, per}: a token bucket of capacity N
 * refilled at N per `per` lets at most N·(T/per + 1) attempts start over any interval of length T.
 *
 * The receiver sees arrivals, not starts: an attempt arrives a little after it started, by a delay
 * that varies (scheduling, connection set-up), so arrivals can bunch closer than the starts were.
 * Arrivals within a window of length T started within at most T + slack, so a window passes when
 * arrivals in [t, t + T] ≤ ⌊N·((T + slack)/per + 1)⌋. Every window starting at an arrival is checked
 * (the fullest window of length T always starts at one), for T = per × each factor.
 */
import { parseDuration } from '../../src/rules/duration';

export interface RateLimit {
  max: number;
  /** The contract's spelling, e.g. "1s". */
  per: string;
  perMs: number;
}

/** `N/per`, e.g. `5/1s` or `100/1m`; throws on anything else. */
export function parseRateLimit(s: string): RateLimit {
  const m = /^([1-9][0-9]*)\/(.+)$/.exec(s.trim());
  if (!m) throw new Error(`rate limit ${JSON.stringify(s)} must look like N/per, e.g. 5/1s`);
  const per = m[2]!;
  return { max: Number(m[1]), per, perMs: parseDuration(per) };
}

export interface WindowCheck {
  windowMs: number;
  /** ⌊N·((T + slack)/per + 1)⌋. */
  allowed: number;
  /** The most arrivals in one window, and where that window starts (ms after the first arrival). */
  maxCount: number;
  worstStartMs: number;
  /** Windows (one per arrival they start at) holding more than `allowed`. */
  violations: number;
  /** maxCount − allowed when positive, else 0. */
  maxExcess: number;
}

export interface RateReport {
  attempts: number;
  /** From the first arrival to the last. */
  spanSeconds: number;
  /** (attempts − 1) / span: the steady rate, against N / per. */
  attemptsPerSecond: number;
  limitPerSecond: number;
  slackMs: number;
  windows: WindowCheck[];
  violations: number;
  maxExcess: number;
}

export const DEFAULT_WINDOW_FACTORS = [1, 2, 5, 10];

/** Checks arrival times (ms, any order) against the limit for windows of per × each factor. */
export function checkRate(
  times: readonly number[],
  limit: RateLimit,
  o: { slackMs: number; factors?: readonly number[] },
): RateReport {
  const t = [...times].sort((a, b) => a - b);
  const span = t.length > 1 ? t[t.length - 1]! - t[0]! : 0;
  const windows = (o.factors ?? DEFAULT_WINDOW_FACTORS).map((f) =>
    checkWindow(t, limit, f * limit.perMs, o.slackMs),
  );
  return {
    attempts: t.length,
    spanSeconds: span / 1000,
    attemptsPerSecond: span > 0 ? ((t.length - 1) * 1000) / span : 0,
    limitPerSecond: (limit.max * 1000) / limit.perMs,
    slackMs: o.slackMs,
    windows,
    violations: windows.reduce((a, w) => a + w.violations, 0),
    maxExcess: windows.reduce((a, w) => Math.max(a, w.maxExcess), 0),
  };
}

function checkWindow(
  sorted: readonly number[],
  limit: RateLimit,
  windowMs: number,
  slackMs: number,
): WindowCheck {
  // The epsilon keeps an exact product (5 · 2 = 10) from flooring to one less.
  const allowed = Math.floor(limit.max * ((windowMs + slackMs) / limit.perMs + 1) + 1e-9);
  let maxCount = 0;
  let worstStartMs = 0;
  let violations = 0;
  let j = 0;
  for (let i = 0; i < sorted.length; i++) {
    if (j < i) j = i;
    while (j + 1 < sorted.length && sorted[j + 1]! - sorted[i]! <= windowMs) j++;
    const count = j - i + 1;
    if (count > allowed) violations++;
    if (count > maxCount) {
      maxCount = count;
      worstStartMs = sorted[i]! - sorted[0]!;
    }
  }
  return {
    windowMs,
    allowed,
    maxCount,
    worstStartMs,
    violations,
    maxExcess: Math.max(0, maxCount - allowed),
  };
}
