import { boundedDuration, durationMs } from './duration';

/**
 * Secret rotation with overlap (design.md, Contract v2, "Secret rotation"): a webhook secret, a
 * connector secret or an inbound token is replaced, and the one it replaces is kept until a fixed
 * instant. Whether the old one still counts is decided here, at the time of the request that uses
 * it (an attempt's own `now`), never by a background job: expiry is exact.
 */

export const MAX_KEEP_OLD_MS = 7 * 86_400_000;
export const DEFAULT_KEEP_OLD_FOR = '24h';

/** `keep_old_for`: a duration of at most 7d; null (or 0s) drops the old secret at once. */
export const keepOldForSchema = boundedDuration(0, MAX_KEEP_OLD_MS, 'must be at most "7d"').nullable().meta({
  description:
    'How long the replaced value keeps working, at most 7d (default 24h); null or "0s": it stops at once',
  example: '24h',
});

/** A value with the one it replaced, kept until `oldExpiresAt`. */
export interface RotatingValue<T> {
  current: T | null;
  old: T | null;
  oldExpiresAt: Date | string | null;
}

/** Is a kept old value still valid at `now`? It is up to, but not at, its expiry instant. */
export function oldStillValid(oldExpiresAt: Date | string | null, now: Date): boolean {
  if (oldExpiresAt === null) return false;
  return now.getTime() < new Date(oldExpiresAt).getTime();
}

/**
 * The values that count at `now`, newest first: the current one, then the old one while it is
 * kept (and unless it is the same value). Signing uses them all; a token check accepts any.
 * Without a current value nothing counts: an old one only ever overlaps a current one.
 */
export function liveValues<T>(v: RotatingValue<T>, now: Date): T[] {
  if (v.current === null) return [];
  const out: T[] = [v.current];
  if (v.old !== null && v.old !== v.current && oldStillValid(v.oldExpiresAt, now)) out.push(v.old);
  return out;
}

/**
 * What a rotation keeps of the value it replaces: the current value until `now + keep_old_for`,
 * or nothing (no current value, keep_old_for null or zero). Rotating again while an old value is
 * kept drops that one: only the value being replaced is kept.
 */
export function afterRotation<T>(
  current: T | null,
  keepOldFor: string | null,
  now: Date,
): { old: T | null; oldExpiresAt: Date | null } {
  const keepMs = durationMs(keepOldFor);
  if (current === null || keepMs === null || keepMs === 0) return { old: null, oldExpiresAt: null };
  return { old: current, oldExpiresAt: new Date(now.getTime() + keepMs) };
}
