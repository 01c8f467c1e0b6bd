/**
 * Retry countdown rules. Pure and deterministic given `random`, so the deliverWebhook workflow can
 * call them directly (it passes its sandboxed Math.random and workflow-clock times). No zod here:
 * this module is in the workflow bundle, whose modules are evaluated again for every workflow run,
 * and evaluating zod's schemas took a third of the workflow thread (BENCHMARKS.md).
 */

const SECOND = 1_000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/** Upper bound for every kwarg in seconds and for any single computed wait. */
export const MAX_COUNTDOWN_SECONDS = 86_400;
export const MAX_COUNTDOWN_MS = MAX_COUNTDOWN_SECONDS * SECOND;
export const MAX_EXPONENTIAL_FACTOR = 1_000;
export const MIN_MAX_ATTEMPTS = 1;
export const MAX_MAX_ATTEMPTS = 50;
export const DEFAULT_MAX_ATTEMPTS = 11;
/** A Retry-After answer can raise the next wait, but never beyond this. */
export const MAX_RETRY_AFTER_MS = DAY;
/** One day: waits after attempt 1, 2, 3, 4; every later wait is ONE_DAY_REPEAT_MS. */
export const ONE_DAY_STEPS_MS = [1 * MINUTE, 5 * MINUTE, 15 * MINUTE, 30 * MINUTE] as const;
export const ONE_DAY_REPEAT_MS = 2 * HOUR;
export const ONE_DAY_WINDOW_MS = DAY;

/** The OMS `retry_countdown_config`; validated by `countdownConfigSchema` (retryPolicySchemas.ts). */
export type CountdownConfig =
  | { choice: 'fixed'; kwargs: { seconds: number } }
  | { choice: 'linear'; kwargs: { base: number; limit?: number | null | undefined } }
  | {
      choice: 'exponential';
      kwargs: { base: number; factor?: number | null | undefined; limit?: number | null | undefined };
    }
  | { choice: 'random'; kwargs: { min_value: number; max_value: number } };

export type RetryPolicyName = 'none' | 'one_day' | 'countdown';

export type RetryPolicy =
  | { policy: 'none' }
  | { policy: 'one_day' }
  | { policy: 'countdown'; config: CountdownConfig; maxAttempts: number };

/** A uniform draw in [0, 1), like Math.random. */
export type RandomSource = () => number;

/**
 * Seconds to wait before retry number `n` (1 = the first retry). Capped at one day so an
 * exponential without a limit cannot turn into a sleep of years.
 */
export function countdownSeconds(config: CountdownConfig, n: number, random: RandomSource): number {
  let s: number;
  switch (config.choice) {
    case 'fixed':
      s = config.kwargs.seconds;
      break;
    case 'linear':
      s = withLimit(config.kwargs.base * n, config.kwargs.limit);
      break;
    case 'exponential': {
      const factor = config.kwargs.factor ?? 1;
      // base ** n overflows to Infinity quickly; 0 * Infinity would be NaN.
      s = withLimit(factor === 0 ? 0 : factor * config.kwargs.base ** n, config.kwargs.limit);
      break;
    }
    case 'random': {
      const { min_value: lo, max_value: hi } = config.kwargs;
      // The clamp guards a source that returns exactly 1; the result stays in [lo, hi].
      s = Math.min(hi, lo + Math.floor(random() * (hi - lo + 1)));
      break;
    }
  }
  return Math.min(s, MAX_COUNTDOWN_SECONDS);
}

function withLimit(value: number, limit: number | null | undefined): number {
  return limit == null ? value : Math.min(value, limit);
}

export interface NextRetryInput {
  policy: RetryPolicy;
  /** Attempts made so far, the failed one included (>= 1). */
  attemptNumber: number;
  /** When the first attempt started (epoch ms or Date). */
  firstAttemptAt: number | Date;
  /** Now, i.e. when the failed attempt finished (epoch ms or Date). */
  now: number | Date;
  random: RandomSource;
  /** From a Retry-After answer (see parseRetryAfter). */
  retryAfterMs?: number | undefined;
}

/** Milliseconds to wait before the next attempt, or `null` to give up. */
export function nextRetryDelayMs(input: NextRetryInput): number | null {
  const { policy, attemptNumber } = input;
  if (!Number.isInteger(attemptNumber) || attemptNumber < 1) {
    throw new Error(`attemptNumber must be an integer >= 1, got ${attemptNumber}`);
  }
  switch (policy.policy) {
    case 'none':
      return null;
    case 'countdown': {
      if (attemptNumber >= policy.maxAttempts) return null;
      const base = countdownSeconds(policy.config, attemptNumber, input.random) * SECOND;
      return raiseForRetryAfter(base, input.retryAfterMs);
    }
    case 'one_day': {
      const base = ONE_DAY_STEPS_MS[attemptNumber - 1] ?? ONE_DAY_REPEAT_MS;
      const delay = raiseForRetryAfter(base, input.retryAfterMs);
      // The window is measured on real start times, so slow attempts eat into it as well.
      const nextStart = toMs(input.now) + delay;
      return nextStart - toMs(input.firstAttemptAt) <= ONE_DAY_WINDOW_MS ? delay : null;
    }
  }
}

function raiseForRetryAfter(delayMs: number, retryAfterMs: number | undefined): number {
  if (retryAfterMs === undefined || !(retryAfterMs > 0)) return delayMs;
  return Math.max(delayMs, Math.min(Math.ceil(retryAfterMs), MAX_RETRY_AFTER_MS));
}

function toMs(t: number | Date): number {
  return typeof t === 'number' ? t : t.getTime();
}

const DAY_NAMES = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)';
const LONG_DAY_NAMES = '(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)';
const MONTHS = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)';
const TIME = '\\d{2}:\\d{2}:\\d{2}';
// RFC 9110 §5.6.7: IMF-fixdate, plus the obsolete RFC 850 and asctime forms recipients must accept.
const IMF_FIXDATE = new RegExp(`^${DAY_NAMES}, \\d{2} ${MONTHS} \\d{4} ${TIME} GMT$`);
const RFC850_DATE = new RegExp(`^${LONG_DAY_NAMES}, \\d{2}-${MONTHS}-\\d{2} ${TIME} GMT$`);
const ASCTIME_DATE = new RegExp(`^${DAY_NAMES} ${MONTHS} (?: \\d|\\d{2}) ${TIME} \\d{4}$`);

/**
 * A Retry-After header as milliseconds from `now`: delta-seconds or an HTTP-date (a past date
 * gives 0). Anything else — negative, fractional, free text — is ignored (`undefined`), because a
 * bad header from a target must not break our own schedule.
 */
export function parseRetryAfter(headerValue: string | undefined, now: Date): number | undefined {
  if (headerValue === undefined) return undefined;
  const v = headerValue.trim();
  if (/^\d+$/.test(v)) return Number(v) * SECOND;
  let when: number;
  if (IMF_FIXDATE.test(v) || RFC850_DATE.test(v)) when = Date.parse(v);
  // asctime carries no zone but means UTC; Date.parse would read it as local time.
  else if (ASCTIME_DATE.test(v)) when = Date.parse(`${v} GMT`);
  else return undefined;
  if (Number.isNaN(when)) return undefined;
  return Math.max(0, when - now.getTime());
}

export interface ScheduleOptions {
  random?: RandomSource;
  /** How long each (failing) attempt takes; default 0. */
  attemptDurationMs?: number;
  /** Guard for runaway loops; no real policy gets near it. */
  maxAttempts?: number;
}

/**
 * Start offsets (ms since the first attempt) of every attempt, assuming each one fails after
 * `attemptDurationMs`. For tests, docs and "what will happen" previews.
 */
export function computeSchedule(policy: RetryPolicy, opts: ScheduleOptions = {}): number[] {
  const random = opts.random ?? Math.random;
  const duration = opts.attemptDurationMs ?? 0;
  const cap = opts.maxAttempts ?? 1_000;
  const offsets = [0];
  for (let attempt = 1; attempt < cap; attempt++) {
    const now = offsets[attempt - 1]! + duration;
    const delay = nextRetryDelayMs({ policy, attemptNumber: attempt, firstAttemptAt: 0, now, random });
    if (delay === null) break;
    offsets.push(now + delay);
  }
  return offsets;
}
