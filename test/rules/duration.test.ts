import { describe, it, expect } from 'vitest';
import {
  boundedDuration,
  boundedDurationPattern,
  delaySchema,
  durationMs,
  durationSchema,
  formatDuration,
  integerRangePattern,
  MAX_DURATION,
  MAX_DURATION_MS,
  nullableDuration,
  parseDuration,
  periodSchema,
} from '../../src/rules/duration';

type ZodSafe = { safeParse: (v: unknown) => { success: boolean } };

const S = 1_000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

describe('parseDuration', () => {
  it.each([
    ['0s', 0],
    ['1s', S],
    ['90s', 90 * S],
    ['5m', 5 * M],
    ['8h', 8 * H],
    ['1d', D],
    ['0d', 0],
    ['10d', 10 * D],
    ['3600s', H],
  ])('%s → %i ms', (input, ms) => {
    expect(parseDuration(input)).toBe(ms);
    expect(durationMs(input)).toBe(ms);
  });

  it.each([
    '',
    's',
    '5',
    '-5m',
    '+5m',
    '1.5h',
    '5 m',
    ' 5m',
    '5m ',
    '5M',
    '1D',
    '05m',
    '00s',
    '5ms',
    '5w',
    '1h30m',
    '1e3s',
    '0x10s',
    '５m',
    '99999999999999999999d',
  ])('rejects %j', (input) => {
    expect(() => parseDuration(input)).toThrow();
    expect(durationSchema.safeParse(input).success).toBe(false);
  });

  it('null is None', () => {
    expect(durationMs(null)).toBeNull();
  });
});

describe('formatDuration', () => {
  it.each([
    [0, '0s'],
    [S, '1s'],
    [90 * S, '90s'],
    [2 * M, '2m'],
    [90 * M, '90m'],
    [H, '1h'],
    [36 * H, '36h'],
    [D, '1d'],
    [7 * D, '7d'],
  ])('%i ms → %s', (ms, text) => {
    expect(formatDuration(ms)).toBe(text);
    expect(parseDuration(text)).toBe(ms);
  });

  it.each([-1000, 1500, 0.5, Number.NaN, Infinity])('refuses %d', (ms) => {
    expect(() => formatDuration(ms)).toThrow();
  });
});

describe('durationSchema', () => {
  it('keeps the string and accepts null only when nullable', () => {
    expect(durationSchema.parse('5m')).toBe('5m');
    expect(nullableDuration.parse(null)).toBeNull();
    expect(nullableDuration.parse('1d')).toBe('1d');
    expect(durationSchema.safeParse(null).success).toBe(false);
  });

  it.each([['5 m'], ['abc'], [' ']])('gives one clear message for %j', (input) => {
    const r = durationSchema.safeParse(input);
    expect(r.success).toBe(false);
    expect(r.error?.issues).toHaveLength(1);
    expect(r.error?.issues[0]?.message).toBe('must be a duration such as "90s", "5m", "8h" or "1d"');
  });

  it.each([[5], [true], [{}]])('rejects non-strings %j', (input) => {
    expect(nullableDuration.safeParse(input).success).toBe(false);
  });
});

describe('bounded durations', () => {
  it.each<[string, ZodSafe, string, boolean]>([
    ['delay 0s', delaySchema, '0s', true],
    ['delay 366d', delaySchema, '366d', true],
    ['delay 8784h', delaySchema, '8784h', true],
    ['delay 367d', delaySchema, '367d', false],
    ['delay 104249991d', delaySchema, '104249991d', false],
    ['period 1s', periodSchema, '1s', true],
    ['period 0s', periodSchema, '0s', false],
    ['period 366d', periodSchema, '366d', true],
    ['period 527041m', periodSchema, '527041m', false],
    ['timeout-like 1s..60s: 60s', boundedDuration(S, 60 * S, 'x'), '60s', true],
    ['timeout-like 1s..60s: 61s', boundedDuration(S, 60 * S, 'x'), '61s', false],
  ])('%s → %s', (_name, schema, input, ok) => {
    expect(schema.safeParse(input).success).toBe(ok);
  });

  // zod runs refinements after a failed format too: the bound must neither throw nor add an issue.
  it.each([['500ms'], [''], ['5 m'], ['99999999999999999999d']])(
    'gives a malformed %j one issue and never throws',
    (input) => {
      const r = boundedDuration(S, 60 * S, 'must be between "1s" and "60s"').safeParse(input);
      expect(r.success).toBe(false);
      expect(r.error?.issues).toHaveLength(1);
    },
  );

  it('keeps MAX_DURATION and MAX_DURATION_MS in step', () => {
    expect(parseDuration(MAX_DURATION)).toBe(MAX_DURATION_MS);
  });

  it('writes integer ranges as patterns that match exactly the range, without leading zeros', () => {
    for (const [lo, hi] of [
      [0, 0],
      [0, 9],
      [1, 60],
      [10, 99],
      [0, 366],
      [5, 1234],
      [1, 8784],
      [0, 52_704],
    ]) {
      const re = new RegExp(`^(?:${integerRangePattern(lo!, hi!)})$`);
      const wrong: number[] = [];
      for (let n = 0; n <= hi! * 1.2 + 20; n++)
        if (re.test(String(n)) !== (n >= lo! && n <= hi!)) wrong.push(n);
      expect(wrong, `${lo}..${hi}`).toEqual([]);
      expect(re.test(`0${Math.max(lo!, 1)}`)).toBe(false);
    }
  });

  it('documents each bounded duration with a pattern that accepts exactly what the schema accepts', () => {
    const cases: [number, number, ZodSafe][] = [
      [S, 60 * S, boundedDuration(S, 60 * S, 'x')],
      [S, MAX_DURATION_MS, periodSchema],
      [0, MAX_DURATION_MS, delaySchema],
    ];
    const samples = [
      '0s',
      '0d',
      '1s',
      '60s',
      '61s',
      '1m',
      '2m',
      '1h',
      '1d',
      '366d',
      '367d',
      '8784h',
      '8785h',
      '527040m',
      '527041m',
      '31622400s',
      '31622401s',
      '99999999999d',
      '01s',
      '1.5s',
      '1S',
      '',
    ];
    for (const [lo, hi, schema] of cases) {
      const re = new RegExp(boundedDurationPattern(lo, hi));
      for (const v of samples) expect(re.test(v), `${v} in ${lo}..${hi}`).toBe(schema.safeParse(v).success);
    }
  });
});
