import { describe, expect, it } from 'vitest';
import {
  betaInterval,
  catchupWindowMs,
  MINIMAL_SHIFT_MS,
  nextFireTimes,
  shiftMs,
  stableInterval,
  stableShiftProblem,
} from '../../src/rules/schedules';
import { channelConfigProblems, stableSettingProblems } from '../../src/rules/channelConfig';
import { jobRetryDelayMs } from '../../src/rules/jobRetry';

const M = 60_000;
const H = 60 * M;
const D = 24 * H;
const iso = (dates: Date[]) => dates.map((d) => d.toISOString());

describe('stable schedules: every = period, offset = shift', () => {
  it.each([
    ['8h', null, 8 * H, 0],
    ['8h', 'minimal', 8 * H, 5 * M],
    ['8h', '2h', 8 * H, 2 * H],
    ['1h', '0s', H, 0],
    ['1d', '90s', D, 90_000],
    ['10m', '9m', 10 * M, 9 * M],
  ] as const)('period %s shift %s → every %i, offset %i', (period, shift, every, offset) => {
    expect(stableInterval(period, shift)).toEqual({ everyMs: every, offsetMs: offset });
  });

  it('maps shift None to 0 and minimal to 5 minutes', () => {
    expect(shiftMs(null)).toBe(0);
    expect(shiftMs('minimal')).toBe(MINIMAL_SHIFT_MS);
    expect(MINIMAL_SHIFT_MS).toBe(5 * M);
  });

  it.each([
    ['8h', '8h'],
    ['8h', '9h'],
    ['5m', 'minimal'],
    ['1m', 'minimal'],
  ] as const)('refuses period %s with shift %s (shift must be shorter)', (period, shift) => {
    expect(stableShiftProblem(period, shift)).toMatch(/shorter than period/);
    expect(() => stableInterval(period, shift)).toThrow(/shorter/);
  });

  it('fires at epoch + shift + k·period (UTC)', () => {
    const from = Date.parse('2026-11-23T09:30:00Z');
    expect(iso(nextFireTimes(8 * H, 0, from, 3))).toEqual([
      '2026-11-23T16:00:00.000Z',
      '2026-11-24T00:00:00.000Z',
      '2026-11-24T08:00:00.000Z',
    ]);
    const { everyMs, offsetMs } = stableInterval('8h', 'minimal');
    expect(iso(nextFireTimes(everyMs, offsetMs, from, 3))).toEqual([
      '2026-11-23T16:05:00.000Z',
      '2026-11-24T00:05:00.000Z',
      '2026-11-24T08:05:00.000Z',
    ]);
  });
});

describe('beta schedules: every = main_job_period, offset = (main − delay) mod main', () => {
  it.each([
    ['8h', '1h', 8 * H, 7 * H],
    ['8h', null, 8 * H, 0],
    ['8h', '0s', 8 * H, 0],
    ['1d', '30m', D, D - 30 * M],
    ['15m', '14m', 15 * M, M],
  ] as const)('main %s delay %s → every %i, offset %i', (main, delay, every, offset) => {
    expect(betaInterval(main, delay)).toEqual({ everyMs: every, offsetMs: offset });
  });

  it("runs the seed's example (every 8 h, 1 h delay) at 07:00, 15:00 and 23:00 UTC", () => {
    const { everyMs, offsetMs } = betaInterval('8h', '1h');
    expect(iso(nextFireTimes(everyMs, offsetMs, Date.parse('2026-11-23T00:00:00Z'), 3))).toEqual([
      '2026-11-23T07:00:00.000Z',
      '2026-11-23T15:00:00.000Z',
      '2026-11-23T23:00:00.000Z',
    ]);
    // Without the delay the same period fires at 00:00, 08:00, 16:00.
    expect(iso(nextFireTimes(everyMs, 0, Date.parse('2026-11-22T23:59:59Z'), 3))).toEqual([
      '2026-11-23T00:00:00.000Z',
      '2026-11-23T08:00:00.000Z',
      '2026-11-23T16:00:00.000Z',
    ]);
  });

  it('refuses a delay that is not shorter than the period', () => {
    expect(() => betaInterval('8h', '8h')).toThrow(/shorter/);
  });
});

describe('nextFireTimes', () => {
  it('is strictly after `from`, also exactly on a fire time', () => {
    const at = Date.parse('2026-11-23T08:00:00Z');
    expect(nextFireTimes(8 * H, 0, at, 1)[0]!.toISOString()).toBe('2026-11-23T16:00:00.000Z');
    expect(nextFireTimes(8 * H, 0, at - 1, 1)[0]!.toISOString()).toBe('2026-11-23T08:00:00.000Z');
  });
  it('works before the epoch offset and for 90-second periods', () => {
    expect(nextFireTimes(90_000, 30_000, 0, 2).map((d) => d.getTime())).toEqual([30_000, 120_000]);
  });
  it('refuses a non-positive period', () => {
    expect(() => nextFireTimes(0, 0, 0, 1)).toThrow();
  });
});

describe('catch-up window and retries', () => {
  it('is one period, at least a minute', () => {
    expect(catchupWindowMs(8 * H)).toBe(8 * H);
    expect(catchupWindowMs(10_000)).toBe(M);
  });
  it('retries job runs 10 s, 20 s, 40 s, 80 s apart, then stops', () => {
    expect([1, 2, 3, 4, 5].map((n) => jobRetryDelayMs(n))).toEqual([10_000, 20_000, 40_000, 80_000, null]);
    expect(jobRetryDelayMs(9, 20)).toBe(5 * M); // capped
  });
});

describe('cross-field channel and account settings', () => {
  it('allows recurring_jobs only on beta channels', () => {
    const recurring_jobs = { 'orders.import': { main_job_period: '8h', delay: '1h', jitter: null } };
    expect(channelConfigProblems({ release: 'stable', recurring_jobs })).toEqual([
      { path: 'recurring_jobs', message: expect.stringMatching(/only available on beta/) },
    ]);
    expect(channelConfigProblems({ release: 'stable', recurring_jobs: {} })).toEqual([]);
    expect(channelConfigProblems({ release: 'beta', recurring_jobs })).toEqual([]);
  });
  it('names the delay and jitter that are not shorter than main_job_period', () => {
    expect(
      channelConfigProblems({
        release: 'beta',
        recurring_jobs: {
          'orders.import': { main_job_period: '8h', delay: '8h', jitter: '9h' },
          'inventory.sync': { main_job_period: null, delay: '9h', jitter: null },
        },
      }).map((p) => p.path),
    ).toEqual(['recurring_jobs.orders.import.delay', 'recurring_jobs.orders.import.jitter']);
  });
  it('checks a stable shift and jitter against the period', () => {
    expect(
      stableSettingProblems({ period: '5m', shift: 'minimal', jitter: null }).map((p) => p.path),
    ).toEqual(['shift']);
    expect(stableSettingProblems({ period: '1h', shift: '2h', jitter: '1h' }).map((p) => p.path)).toEqual([
      'shift',
      'jitter',
    ]);
    expect(stableSettingProblems({ period: null, shift: '2h', jitter: null })).toEqual([]);
  });
});
