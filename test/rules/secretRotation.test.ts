import { describe, expect, it } from 'vitest';
import {
  afterRotation,
  keepOldForSchema,
  liveValues,
  MAX_KEEP_OLD_MS,
  oldStillValid,
} from '../../src/rules/secretRotation';

const T = Date.parse('2026-11-23T08:00:00.000Z');
const at = (ms: number) => new Date(T + ms);
const H = 3_600_000;

describe('oldStillValid: the old value counts up to, not at, its expiry', () => {
  it.each([
    ['no expiry (none kept)', null, 0, false],
    ['an hour before', at(H), 0, true],
    ['1 ms before', at(H), H - 1, true],
    ['at the instant', at(H), H, false],
    ['1 ms after', at(H), H + 1, false],
    ['a day after', at(H), 25 * H, false],
    ['as an ISO string (a driver may hand one over)', at(H).toISOString(), H - 1, true],
    ['as an ISO string, at the instant', at(H).toISOString(), H, false],
  ] as const)('%s', (_name, expiresAt, nowOffset, valid) => {
    expect(oldStillValid(expiresAt, at(nowOffset))).toBe(valid);
  });
});

describe('liveValues: what signs (or is accepted) at a given time, newest first', () => {
  it.each([
    ['no value at all', { current: null, old: null, oldExpiresAt: null }, 0, []],
    ['only a current value', { current: 'new', old: null, oldExpiresAt: null }, 0, ['new']],
    [
      'an old one kept: both, new first',
      { current: 'new', old: 'old', oldExpiresAt: at(H) },
      0,
      ['new', 'old'],
    ],
    ['1 ms before expiry: both', { current: 'new', old: 'old', oldExpiresAt: at(H) }, H - 1, ['new', 'old']],
    ['at expiry: only the new', { current: 'new', old: 'old', oldExpiresAt: at(H) }, H, ['new']],
    ['after expiry: only the new', { current: 'new', old: 'old', oldExpiresAt: at(H) }, 2 * H, ['new']],
    [
      'an old value without an expiry is not used',
      { current: 'new', old: 'old', oldExpiresAt: null },
      0,
      ['new'],
    ],
    ['the same value twice signs once', { current: 'same', old: 'same', oldExpiresAt: at(H) }, 0, ['same']],
    [
      'no current value: nothing, whatever is kept',
      { current: null, old: 'old', oldExpiresAt: at(H) },
      0,
      [],
    ],
  ] as const)('%s', (_name, value, nowOffset, expected) => {
    expect(liveValues(value, at(nowOffset))).toEqual(expected);
  });
});

describe('afterRotation: what a rotation keeps of the value it replaces', () => {
  it.each([
    ['the default 24h', 'cur', '24h', { old: 'cur', oldExpiresAt: at(24 * H) }],
    ['seconds', 'cur', '90s', { old: 'cur', oldExpiresAt: at(90_000) }],
    ['the 7d maximum', 'cur', '7d', { old: 'cur', oldExpiresAt: at(7 * 24 * H) }],
    ['null drops it at once', 'cur', null, { old: null, oldExpiresAt: null }],
    ['"0s" drops it at once', 'cur', '0s', { old: null, oldExpiresAt: null }],
    ['nothing to keep without a current value', null, '24h', { old: null, oldExpiresAt: null }],
  ] as const)('%s', (_name, current, keep, expected) => {
    expect(afterRotation(current, keep, at(0))).toEqual(expected);
  });

  it('rotating twice keeps only the value the second rotation replaced', () => {
    // First: A → B, A kept. Second, an hour later: B → C, B kept (A is gone).
    const first = afterRotation('A', '24h', at(0));
    expect(first).toEqual({ old: 'A', oldExpiresAt: at(24 * H) });
    const second = afterRotation('B', '24h', at(H));
    expect(second).toEqual({ old: 'B', oldExpiresAt: at(25 * H) });
    expect(liveValues({ current: 'C', ...second }, at(2 * H))).toEqual(['C', 'B']);
  });
});

describe('keepOldForSchema', () => {
  it.each([
    ['24h', true],
    ['0s', true],
    ['7d', true],
    ['168h', true],
    [`${MAX_KEEP_OLD_MS / 1000}s`, true],
    [`${MAX_KEEP_OLD_MS / 1000 + 1}s`, false],
    ['8d', false],
    ['1w', false],
    ['-1h', false],
    ['', false],
    [null, true],
    [24, false],
  ] as const)('%s → %s', (value, ok) => {
    expect(keepOldForSchema.safeParse(value).success).toBe(ok);
  });

  it('names the bound in its message', () => {
    const r = keepOldForSchema.safeParse('8d');
    expect(r.success).toBe(false);
    expect(r.error?.issues.map((i) => i.message)).toEqual(['must be at most "7d"']);
  });
});
