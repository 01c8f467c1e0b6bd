import { describe, expect, it } from 'vitest';
import { checkRate, parseRateLimit, type RateLimit } from '../../../bench/lib/rateCheck';

const limit = (max: number, perMs = 1000): RateLimit => ({ max, per: `${perMs / 1000}s`, perMs });

/** A token bucket's tightest schedule: `max` at 0, then one every per/max ms until `until`. */
function bucket(l: RateLimit, until: number, latency: (i: number) => number = () => 0): number[] {
  const starts = Array.from({ length: l.max }, () => 0);
  for (let t = l.perMs / l.max; t <= until + 1e-9; t += l.perMs / l.max) starts.push(Math.round(t));
  return starts.map((s, i) => s + latency(i));
}

describe('parseRateLimit', () => {
  it.each([
    ['5/1s', { max: 5, per: '1s', perMs: 1000 }],
    ['100/1m', { max: 100, per: '1m', perMs: 60_000 }],
    [' 2/30s ', { max: 2, per: '30s', perMs: 30_000 }],
  ])('%s', (s, want) => expect(parseRateLimit(s)).toEqual(want));

  it.each(['5', '0/1s', '5/1', '5/1.5s', 'a/1s', '5/-1s', '/1s'])('refuses %s', (s) =>
    expect(() => parseRateLimit(s)).toThrow(),
  );
});

/** Per window (per × factor): [allowed, most arrivals in one window, windows over the bound]. */
type Want = Record<number, [number, number, number]>;
type Row = [name: string, limit: RateLimit, times: number[], slackMs: number, want: Want];

const five = limit(5);
const ten = limit(10);
const steady = (n: number, everyMs: number) => Array.from({ length: n }, (_, i) => i * everyMs);
// The first burst arrives 100 ms late, bunched up with the next second's tokens.
const lateBurst = bucket(ten, 5000, (i) => (i < 10 ? 100 : 0));
const table: Row[] = [
  [
    "the bucket's tightest schedule is exactly at the bound",
    five,
    bucket(five, 10_000),
    0,
    { 1: [10, 10, 0], 2: [15, 15, 0], 5: [30, 30, 0] },
  ],
  [
    'one attempt more than the bucket allows is flagged',
    five,
    [...bucket(five, 10_000), 500],
    0,
    { 1: [10, 11, 1], 2: [15, 16, 1] },
  ],
  [
    'a burst of 2N + 1 in one second is flagged even with slack',
    five,
    steady(11, 90),
    100,
    { 1: [10, 11, 1] },
  ],
  ['a first burst 100 ms late, no slack: flagged', ten, lateBurst, 0, { 1: [20, 21, 1] }],
  ['a first burst 100 ms late, 100 ms of slack: passes', ten, lateBurst, 100, { 1: [21, 21, 0] }],
  [
    'a steady stream at the limit with no burst has headroom',
    five,
    steady(50, 200),
    100,
    { 1: [10, 6, 0], 10: [55, 50, 0] },
  ],
  [
    'twice the limit, steadily, fails every long window',
    five,
    steady(100, 100),
    100,
    { 1: [10, 11, 90], 5: [30, 51, 70] },
  ],
];

describe('checkRate', () => {
  it.each(table)('%s', (_name, limit, times, slackMs, want) => {
    const factors = Object.keys(want).map(Number);
    const r = checkRate(times, limit, { slackMs, factors });
    const rows = Object.values(want);
    expect(r.windows.map((w) => [w.allowed, w.maxCount, w.violations])).toEqual(rows);
    expect(r.violations).toBe(rows.reduce((a, w) => a + w[2], 0));
    expect(r.maxExcess).toBe(Math.max(0, ...rows.map(([allowed, max]) => max - allowed)));
  });

  it('reports the steady rate against the limit and where the worst window starts', () => {
    const times = [5000, ...Array.from({ length: 51 }, (_, i) => i * 200), 5001, 5002];
    const r = checkRate(times, five, { slackMs: 0, factors: [1] });
    expect(r).toMatchObject({ attempts: 54, spanSeconds: 10, limitPerSecond: 5, slackMs: 0 });
    expect(r.attemptsPerSecond).toBeCloseTo(5.3, 5);
    expect(r.windows[0]).toMatchObject({ windowMs: 1000, worstStartMs: 4200, maxCount: 9, maxExcess: 0 });
  });

  it('takes the default windows per × 1, 2, 5, 10 and copes with no arrivals', () => {
    const r = checkRate([], limit(3, 60_000), { slackMs: 100 });
    expect(r.windows.map((w) => w.windowMs)).toEqual([60_000, 120_000, 300_000, 600_000]);
    expect(r).toMatchObject({
      attempts: 0,
      spanSeconds: 0,
      attemptsPerSecond: 0,
      violations: 0,
      maxExcess: 0,
    });
  });
});
