/**
 * Schedule math for recurring jobs (design "Channels and jobs"; seed 000). Temporal interval
 * specs are anchored at the Unix epoch: `{every, offset}` fires at epoch + offset + k·every (UTC).
 * Pure: no I/O, so every rule is unit-tested and the service only translates the result.
 */
import { UNIT_MS, parseDuration } from './duration';

/** The stable channels' "Minimal" shift: 5 minutes. */
export const MINIMAL_SHIFT = 'minimal';
export const MINIMAL_SHIFT_MS = 5 * UNIT_MS.m;

export interface Interval {
  everyMs: number;
  offsetMs: number;
}

/** `shift`: null (None) → 0, "minimal" → 5 m, else the duration. */
export function shiftMs(shift: string | null): number {
  if (shift === null) return 0;
  if (shift === MINIMAL_SHIFT) return MINIMAL_SHIFT_MS;
  return parseDuration(shift);
}

/** Why a stable (period, shift) pair is refused, or null. The shift must be shorter than the period. */
export function stableShiftProblem(period: string, shift: string | null): string | null {
  const p = parseDuration(period);
  const s = shiftMs(shift);
  if (s >= p) return `must be shorter than period (${period})`;
  return null;
}

/** Stable: every = period, offset = shift → fires at epoch + shift + k·period. */
export function stableInterval(period: string, shift: string | null): Interval {
  const problem = stableShiftProblem(period, shift);
  if (problem) throw new Error(`shift ${problem}`);
  return { everyMs: parseDuration(period), offsetMs: shiftMs(shift) };
}

/**
 * Beta: every = main_job_period, offset = (main − delay) mod main → the job runs `delay` earlier
 * than it would without one (8 h with a 1 h delay: 07:00, 15:00, 23:00 instead of 00:00, 08:00, 16:00).
 */
export function betaInterval(mainJobPeriod: string, delay: string | null): Interval {
  const every = parseDuration(mainJobPeriod);
  const d = delay === null ? 0 : parseDuration(delay);
  if (d >= every) throw new Error('delay must be shorter than main_job_period');
  return { everyMs: every, offsetMs: (((every - d) % every) + every) % every };
}

/** Catch-up window: one period, but at least a minute so a short restart does not drop a run. */
export function catchupWindowMs(everyMs: number): number {
  return Math.max(everyMs, UNIT_MS.m);
}

/** The first `n` fire times strictly after `from` of an epoch-anchored interval (no jitter). */
export function nextFireTimes(everyMs: number, offsetMs: number, from: Date | number, n: number): Date[] {
  if (!(everyMs > 0)) throw new Error('every must be positive');
  const t = typeof from === 'number' ? from : from.getTime();
  // k = the first index whose fire time is > t.
  let k = Math.floor((t - offsetMs) / everyMs) + 1;
  const out: Date[] = [];
  for (; out.length < n; k++) out.push(new Date(k * everyMs + offsetMs));
  return out;
}
