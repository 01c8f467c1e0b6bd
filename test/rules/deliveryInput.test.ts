import { describe, expect, it } from 'vitest';
import { deliverInputProblem } from '../../src/rules/deliveryInput';
import { MAX_DURATION_MS } from '../../src/rules/durationLimits';

const ok = { delayMs: null, cycle: 1, firstAttemptNumber: 1 };

describe('deliverInputProblem', () => {
  it.each<[string, Partial<Parameters<typeof deliverInputProblem>[0]>]>([
    ['no delay', {}],
    ['an undefined delay (older starters)', { delayMs: undefined }],
    ['a zero delay', { delayMs: 0 }],
    ['the longest delay, 366d', { delayMs: MAX_DURATION_MS }],
    ['a later cycle', { cycle: 3, firstAttemptNumber: 12 }],
  ])('accepts %s', (_name, over) => {
    expect(deliverInputProblem({ ...ok, ...over })).toBeUndefined();
  });

  it.each<[string, Partial<Parameters<typeof deliverInputProblem>[0]>, RegExp]>([
    ['104249991d, whose wake-up is no date', { delayMs: 104_249_991 * 86_400_000 }, /delay/],
    ['one millisecond beyond 366d', { delayMs: MAX_DURATION_MS + 1 }, /delay .* 366d/],
    ['a negative delay', { delayMs: -1 }, /delay/],
    ['a fractional delay', { delayMs: 1.5 }, /delay/],
    ['NaN', { delayMs: Number.NaN }, /delay/],
    ['Infinity', { delayMs: Infinity }, /delay/],
    ['cycle 0', { cycle: 0 }, /cycle/],
    ['attempt number 0', { firstAttemptNumber: 0 }, /first attempt number/],
  ])('refuses %s', (_name, over, reason) => {
    expect(deliverInputProblem({ ...ok, ...over })).toMatch(reason);
  });
});
