import { describe, expect, it } from 'vitest';
import {
  afterFailedAttempt,
  describeStop,
  FAILING_DISABLE_AFTER_MS,
  refusalBeforeSending,
  retryAfterFloorMs,
  stoppedBeforeSending,
  type StopCause,
} from '../../src/rules/webhookHealth';

const S = 1_000;
const D = 24 * 3600 * S;
const startedAt = new Date('2026-05-10T12:00:00Z');
const ago = (ms: number) => new Date(startedAt.getTime() - ms);

describe('refusalBeforeSending', () => {
  it.each<[string, { deleted: boolean; enabled: boolean }, StopCause | null]>([
    ['a live, enabled webhook is sent to', { deleted: false, enabled: true }, null],
    ['a disabled webhook is refused', { deleted: false, enabled: false }, { kind: 'webhook_disabled' }],
    ['a deleted webhook is refused', { deleted: true, enabled: true }, { kind: 'webhook_deleted' }],
    // Deleting also disables: the deletion is the reason worth telling.
    ['deleted wins over disabled', { deleted: true, enabled: false }, { kind: 'webhook_deleted' }],
  ])('%s', (_name, webhook, expected) => {
    expect(refusalBeforeSending(webhook)).toEqual(expected);
  });
});

describe('afterFailedAttempt', () => {
  it.each<[string, { statusCode: number | null; test: boolean; failingFor: number }, StopCause | null]>([
    ['410 Gone disables at once', { statusCode: 410, test: false, failingFor: 0 }, { kind: 'gone' }],
    [
      '410 Gone disables a test delivery too',
      { statusCode: 410, test: true, failingFor: 0 },
      { kind: 'gone' },
    ],
    [
      '410 Gone is reported as gone even after five days',
      { statusCode: 410, test: false, failingFor: 6 * D },
      { kind: 'gone' },
    ],
    ['a 500 on the first failing day carries on', { statusCode: 500, test: false, failingFor: 0 }, null],
    [
      'just under five days carries on',
      { statusCode: 500, test: false, failingFor: FAILING_DISABLE_AFTER_MS - 1 },
      null,
    ],
    [
      'exactly five days disables',
      { statusCode: 500, test: false, failingFor: FAILING_DISABLE_AFTER_MS },
      { kind: 'failing_too_long' },
    ],
    [
      'more than five days disables',
      { statusCode: 503, test: false, failingFor: 9 * D },
      { kind: 'failing_too_long' },
    ],
    [
      'no answer at all (timeout) counts like any failure',
      { statusCode: null, test: false, failingFor: 5 * D },
      { kind: 'failing_too_long' },
    ],
    [
      'a test delivery never disables for failing long',
      { statusCode: 500, test: true, failingFor: 30 * D },
      null,
    ],
    ['a test delivery with no answer carries on', { statusCode: null, test: true, failingFor: 30 * D }, null],
  ])('%s', (_name, a, expected) => {
    expect(
      afterFailedAttempt({
        statusCode: a.statusCode,
        test: a.test,
        failingSince: ago(a.failingFor),
        startedAt,
      }),
    ).toEqual(expected);
  });

  it('the boundary is five days', () => {
    expect(FAILING_DISABLE_AFTER_MS).toBe(5 * D);
  });
});

describe('retryAfterFloorMs', () => {
  it.each<[string, number | null, string | undefined, number | undefined]>([
    ['429 with seconds', 429, '120', 120 * S],
    ['503 with seconds', 503, '30', 30 * S],
    ['503 with an HTTP date', 503, 'Sun, 10 May 2026 12:05:00 GMT', 5 * 60 * S],
    ['429 with a date in the past floors at 0', 429, 'Sun, 10 May 2026 11:00:00 GMT', 0],
    ['429 without the header', 429, undefined, undefined],
    ['503 with an unreadable header', 503, 'soon', undefined],
    ['500 ignores the header', 500, '120', undefined],
    ['502 ignores the header', 502, '120', undefined],
    ['410 ignores the header', 410, '120', undefined],
    ['a 2xx ignores the header', 200, '120', undefined],
    ['no answer has no header to honour', null, '120', undefined],
  ])('%s', (_name, statusCode, header, expected) => {
    expect(retryAfterFloorMs(statusCode, header, startedAt)).toBe(expected);
  });
});

describe('describeStop and stoppedBeforeSending', () => {
  it.each<[StopCause['kind'], string, boolean]>([
    ['webhook_deleted', 'webhook deleted', true],
    ['webhook_disabled', 'webhook disabled', true],
    ['gone', 'the target answered 410 Gone', false],
    ['failing_too_long', 'every delivery failed for 5 days with no success', false],
  ])('%s', (kind, text, beforeSending) => {
    expect(describeStop({ kind })).toBe(text);
    expect(stoppedBeforeSending({ kind })).toBe(beforeSending);
  });
});
