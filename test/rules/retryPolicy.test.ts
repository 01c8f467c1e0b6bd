import { describe, it, expect } from 'vitest';
import {
  computeSchedule,
  countdownSeconds,
  nextRetryDelayMs,
  parseRetryAfter,
  type CountdownConfig,
  type RetryPolicy,
} from '../../src/rules/retryPolicy';
import { countdownConfigSchema } from '../../src/rules/retryPolicySchemas';

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const never = () => {
  throw new Error('random must not be used');
};

const countdown = (config: CountdownConfig, maxAttempts = 11): RetryPolicy => ({
  policy: 'countdown',
  config,
  maxAttempts,
});

describe('countdownSeconds', () => {
  it.each<[string, CountdownConfig, number, number]>([
    ['fixed', { choice: 'fixed', kwargs: { seconds: 30 } }, 1, 30],
    ['fixed, later retry', { choice: 'fixed', kwargs: { seconds: 30 } }, 7, 30],
    ['fixed 0', { choice: 'fixed', kwargs: { seconds: 0 } }, 1, 0],
    ['linear n=1', { choice: 'linear', kwargs: { base: 10 } }, 1, 10],
    ['linear n=5', { choice: 'linear', kwargs: { base: 10 } }, 5, 50],
    ['linear under limit', { choice: 'linear', kwargs: { base: 10, limit: 25 } }, 2, 20],
    ['linear at limit', { choice: 'linear', kwargs: { base: 10, limit: 25 } }, 3, 25],
    ['linear null limit', { choice: 'linear', kwargs: { base: 10, limit: null } }, 3, 30],
    ['exponential n=1', { choice: 'exponential', kwargs: { base: 2 } }, 1, 2],
    ['exponential n=3', { choice: 'exponential', kwargs: { base: 2 } }, 3, 8],
    ['exponential factor', { choice: 'exponential', kwargs: { base: 2, factor: 5 } }, 2, 20],
    ['exponential limit', { choice: 'exponential', kwargs: { base: 2, limit: 60 } }, 10, 60],
    ['exponential base 0', { choice: 'exponential', kwargs: { base: 0 } }, 4, 0],
    ['exponential factor 0 overflow', { choice: 'exponential', kwargs: { base: 86_400, factor: 0 } }, 49, 0],
    ['exponential capped at 1 day', { choice: 'exponential', kwargs: { base: 10 } }, 10, 86_400],
    ['linear capped at 1 day', { choice: 'linear', kwargs: { base: 86_400 } }, 3, 86_400],
  ])('%s', (_name, config, n, expected) => {
    expect(countdownSeconds(config, n, never)).toBe(expected);
  });

  it.each([
    [0, 10],
    [0.5, 15],
    [0.999_999, 20],
    [1, 20],
  ])('random draws %d → %i in [10, 20]', (draw, expected) => {
    expect(
      countdownSeconds({ choice: 'random', kwargs: { min_value: 10, max_value: 20 } }, 1, () => draw),
    ).toBe(expected);
  });
});

describe('nextRetryDelayMs', () => {
  const fixed60 = countdown({ choice: 'fixed', kwargs: { seconds: 60 } }, 3);
  it.each<[string, RetryPolicy, number, number, number | undefined, number | null]>([
    // name, policy, attemptNumber, now (first attempt at 0), retryAfterMs, expected
    ['none gives up at once', { policy: 'none' }, 1, 0, undefined, null],
    ['none ignores Retry-After', { policy: 'none' }, 1, 0, 60 * S, null],
    ['countdown first retry', fixed60, 1, 0, undefined, 60 * S],
    ['countdown second retry', fixed60, 2, 0, undefined, 60 * S],
    ['countdown spent', fixed60, 3, 0, undefined, null],
    ['countdown spent despite Retry-After', fixed60, 3, 0, 10 * S, null],
    ['Retry-After raises', fixed60, 1, 0, 120 * S, 120 * S],
    ['Retry-After never lowers', fixed60, 1, 0, 30 * S, 60 * S],
    ['Retry-After 0 ignored', fixed60, 1, 0, 0, 60 * S],
    ['Retry-After capped at 1 day', fixed60, 1, 0, 3 * D, D],
    ['one_day 1st retry', { policy: 'one_day' }, 1, 0, undefined, 1 * M],
    ['one_day 2nd retry', { policy: 'one_day' }, 2, 1 * M, undefined, 5 * M],
    ['one_day 3rd retry', { policy: 'one_day' }, 3, 6 * M, undefined, 15 * M],
    ['one_day 4th retry', { policy: 'one_day' }, 4, 21 * M, undefined, 30 * M],
    ['one_day 5th retry', { policy: 'one_day' }, 5, 51 * M, undefined, 2 * H],
    ['one_day 9th retry', { policy: 'one_day' }, 9, 8 * H + 51 * M, undefined, 2 * H],
    ['one_day next start exactly at 24h', { policy: 'one_day' }, 12, 22 * H, undefined, 2 * H],
    ['one_day next start 1 ms past 24h', { policy: 'one_day' }, 12, 22 * H + 1, undefined, null],
    ['one_day Retry-After raises', { policy: 'one_day' }, 1, 0, 10 * M, 10 * M],
    ['one_day Retry-After within window', { policy: 'one_day' }, 3, 6 * M, 23 * H, 23 * H],
    ['one_day Retry-After beyond window', { policy: 'one_day' }, 2, 1 * M, 1 * D, null],
    ['one_day slow attempts eat the window', { policy: 'one_day' }, 1, 23 * H + 59 * M + 1, undefined, null],
  ])('%s', (_name, policy, attemptNumber, now, retryAfterMs, expected) => {
    expect(
      nextRetryDelayMs({ policy, attemptNumber, firstAttemptAt: 0, now, random: never, retryAfterMs }),
    ).toBe(expected);
  });

  it('accepts Dates', () => {
    const first = new Date('2025-01-01T00:00:00Z');
    const now = new Date('2025-01-01T23:00:00Z');
    expect(
      nextRetryDelayMs({
        policy: { policy: 'one_day' },
        attemptNumber: 10,
        firstAttemptAt: first,
        now,
        random: never,
      }),
    ).toBeNull();
  });

  it.each([0, -1, 1.5])('refuses attemptNumber %d', (attemptNumber) => {
    expect(() =>
      nextRetryDelayMs({
        policy: { policy: 'none' },
        attemptNumber,
        firstAttemptAt: 0,
        now: 0,
        random: never,
      }),
    ).toThrow();
  });
});

describe('computeSchedule', () => {
  it.each<[string, RetryPolicy, number[]]>([
    ['none', { policy: 'none' }, [0]],
    ['countdown max 1', countdown({ choice: 'fixed', kwargs: { seconds: 5 } }, 1), [0]],
    [
      'fixed 60s × 4',
      countdown({ choice: 'fixed', kwargs: { seconds: 60 } }, 4),
      [0, 60, 120, 180].map((s) => s * S),
    ],
    [
      'linear 60s limit 150s × 5',
      countdown({ choice: 'linear', kwargs: { base: 60, limit: 150 } }, 5),
      [0, 60, 180, 330, 480].map((s) => s * S),
    ],
    [
      'exponential 2^n × 5',
      countdown({ choice: 'exponential', kwargs: { base: 2 } }, 5),
      [0, 2, 6, 14, 30].map((s) => s * S),
    ],
    [
      'exponential 3·2^n limit 20 × 5',
      countdown({ choice: 'exponential', kwargs: { base: 2, factor: 3, limit: 20 } }, 5),
      [0, 6, 18, 38, 58].map((s) => s * S),
    ],
    [
      'one_day',
      { policy: 'one_day' },
      [0, 1 * M, 6 * M, 21 * M, 51 * M, ...Array.from({ length: 11 }, (_, k) => 51 * M + (k + 1) * 2 * H)],
    ],
  ])('%s', (_name, policy, expected) => {
    expect(computeSchedule(policy, { random: never })).toEqual(expected);
  });

  it('one_day: 16 attempts, the last at 22h51m, all within 24h', () => {
    const s = computeSchedule({ policy: 'one_day' });
    expect(s).toHaveLength(16);
    expect(s.at(-1)).toBe(22 * H + 51 * M);
  });

  it('one_day with 30s attempts still stops inside the window', () => {
    const s = computeSchedule({ policy: 'one_day' }, { attemptDurationMs: 30 * S });
    expect(s.slice(0, 3)).toEqual([0, 30 * S + 1 * M, 60 * S + 6 * M]);
    expect(s.every((t) => t <= D)).toBe(true);
    expect(s.at(-1)! + 30 * S + 2 * H).toBeGreaterThan(D);
  });

  it('default countdown (11 attempts) and random draws stay in range, deterministically', () => {
    const seeded = (seed: number) => () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const policy = countdown({ choice: 'random', kwargs: { min_value: 5, max_value: 9 } });
    const a = computeSchedule(policy, { random: seeded(42) });
    expect(a).toHaveLength(11);
    const gaps = a.slice(1).map((t, i) => (t - a[i]!) / S);
    expect(gaps.every((g) => g >= 5 && g <= 9 && Number.isInteger(g))).toBe(true);
    expect(computeSchedule(policy, { random: seeded(42) })).toEqual(a);
  });
});

describe('countdownConfigSchema', () => {
  it.each<[unknown]>([
    [{ choice: 'fixed', kwargs: { seconds: 0 } }],
    [{ choice: 'fixed', kwargs: { seconds: 86_400 } }],
    [{ choice: 'linear', kwargs: { base: 10 } }],
    [{ choice: 'linear', kwargs: { base: 10, limit: 300 } }],
    [{ choice: 'exponential', kwargs: { base: 2 } }],
    [{ choice: 'exponential', kwargs: { base: 2, factor: 1000, limit: 3600 } }],
    [{ choice: 'exponential', kwargs: { base: 2, factor: null, limit: null } }],
    [{ choice: 'random', kwargs: { min_value: 0, max_value: 1 } }],
  ])('accepts %j', (input) => {
    expect(countdownConfigSchema.safeParse(input).success).toBe(true);
  });

  it.each<[unknown, string]>([
    [{ choice: 'random', kwargs: { min_value: 10, max_value: 10 } }, 'kwargs.max_value'],
    [{ choice: 'random', kwargs: { min_value: 20, max_value: 10 } }, 'kwargs.max_value'],
    [{ choice: 'random', kwargs: { min_value: 1 } }, 'kwargs.max_value'],
    [{ choice: 'fixed', kwargs: { seconds: -1 } }, 'kwargs.seconds'],
    [{ choice: 'fixed', kwargs: { seconds: 1.5 } }, 'kwargs.seconds'],
    [{ choice: 'fixed', kwargs: { seconds: '5' } }, 'kwargs.seconds'],
    [{ choice: 'fixed', kwargs: { seconds: 86_401 } }, 'kwargs.seconds'],
    [{ choice: 'fixed', kwargs: { seconds: 5, extra: 1 } }, 'kwargs'],
    [{ choice: 'fixed', kwargs: {} }, 'kwargs.seconds'],
    [{ choice: 'fixed' }, 'kwargs'],
    [{ choice: 'linear', kwargs: { base: 10, limit: -5 } }, 'kwargs.limit'],
    [{ choice: 'exponential', kwargs: { base: 2, factor: 1001 } }, 'kwargs.factor'],
    [{ choice: 'exponential', kwargs: { base: 2, factor: 0.5 } }, 'kwargs.factor'],
    [{ choice: 'bogus', kwargs: {} }, 'choice'],
  ])('rejects %j at %s', (input, path) => {
    const r = countdownConfigSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error!.issues.map((i) => i.path.join('.'))).toContain(path);
  });

  it.each([
    [null],
    ['fixed'],
    [{ kwargs: { seconds: 1 } }],
    [{ choice: 'fixed', kwargs: { seconds: 1 }, x: 1 }],
  ])('rejects %j', (input) => {
    expect(countdownConfigSchema.safeParse(input).success).toBe(false);
  });
});

describe('parseRetryAfter', () => {
  const now = new Date('2025-03-01T12:00:00Z');
  it.each<[string | undefined, number | undefined]>([
    [undefined, undefined],
    ['120', 120 * S],
    ['0', 0],
    [' 5 ', 5 * S],
    ['-1', undefined],
    ['1.5', undefined],
    ['', undefined],
    ['soon', undefined],
    ['Sat, 01 Mar 2025', undefined],
    ['Sat, 01 Mar 2025 12:00:30 GMT', 30 * S],
    ['Sat, 01 Mar 2025 11:00:00 GMT', 0],
    ['Saturday, 01-Mar-25 12:01:00 GMT', 1 * M],
    ['Sat Mar  1 12:00:10 2025', 10 * S],
    ['Sat, 01 Mar 2025 12:00:30 +0100', undefined],
    ['2025-03-01T12:00:30Z', undefined],
  ])('%j → %s', (header, expected) => {
    expect(parseRetryAfter(header, now)).toBe(expected);
  });
});
