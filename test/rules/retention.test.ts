import { describe, expect, it } from 'vitest';
import { parseDuration } from '../../src/rules/duration';
import { DEFAULT_RETENTION, MIN_RETENTION_MS, retentionCutoff } from '../../src/rules/retention';

const NOW = Date.parse('2026-05-31T03:00:00.000Z');

describe('retentionCutoff', () => {
  it.each([
    ['1s', '2026-05-31T02:59:59.000Z'],
    ['90m', '2026-05-31T01:30:00.000Z'],
    ['1d', '2026-05-30T03:00:00.000Z'],
    [DEFAULT_RETENTION, '2026-05-01T03:00:00.000Z'],
    ['365d', '2025-05-31T03:00:00.000Z'],
  ])('%s before now', (retention, cutoff) => {
    expect(retentionCutoff(NOW, parseDuration(retention)).toISOString()).toBe(cutoff);
  });

  it('a retention reaching back past the epoch stops at the epoch', () => {
    expect(retentionCutoff(NOW, parseDuration('100000d')).getTime()).toBe(0);
    expect(retentionCutoff(NOW, Number.MAX_SAFE_INTEGER).getTime()).toBe(0);
  });

  it.each([0, 999, -1_000, 1_000.5, Number.NaN, Number.POSITIVE_INFINITY])(
    'refuses a retention of %s ms',
    (ms) => {
      expect(() => retentionCutoff(NOW, ms)).toThrow(RangeError);
    },
  );

  it('accepts the shortest retention, 1s', () => {
    expect(MIN_RETENTION_MS).toBe(1_000);
    expect(retentionCutoff(NOW, MIN_RETENTION_MS).getTime()).toBe(NOW - 1_000);
  });

  it('refuses a clock that is not an instant', () => {
    expect(() => retentionCutoff(Number.NaN, 1_000)).toThrow(RangeError);
  });
});
