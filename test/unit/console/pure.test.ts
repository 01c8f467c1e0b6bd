// The console's pure pieces, without a browser: URLs it builds, how API errors reach fields, times.
import { describe, expect, it } from 'vitest';
import { ApiError, withQuery } from '../../../console/src/api/client';
import { temporalWorkflowUrl } from '../../../console/src/lib/temporalUrl';
import { errorsOf, messagesFor } from '../../../console/src/lib/fieldErrors';
import { formatClock, formatUtc } from '../../../console/src/lib/format';

const here = { protocol: 'http:', hostname: 'ops.example.test' };

describe('the Temporal UI link', () => {
  it.each([
    [
      'the embedded UI, on the host the console was reached on',
      { temporal_ui_url: null, temporal_ui_port: 8233, namespace: 'default' },
      'dlv_1',
      'http://ops.example.test:8233/namespaces/default/workflows/dlv_1',
    ],
    [
      'a configured UI, trailing slash dropped, ids escaped',
      { temporal_ui_url: 'https://temporal.example.test/', temporal_ui_port: null, namespace: 'prod ns' },
      'lane:whk_1:ORD/1',
      'https://temporal.example.test/namespaces/prod%20ns/workflows/lane%3Awhk_1%3AORD%2F1',
    ],
    [
      'no UI known (an external cluster without TEMPORAL_UI_URL)',
      { temporal_ui_url: null, temporal_ui_port: null, namespace: 'default' },
      'x',
      null,
    ],
    ['settings not loaded yet', null, 'x', null],
  ])('%s', (_what, settings, workflowId, expected) => {
    expect(temporalWorkflowUrl(settings, workflowId, here)).toBe(expected);
  });
});

describe('API errors at their fields', () => {
  const error = new ApiError(422, 'validation_failed', 'Invalid', [
    { path: 'target_url', message: 'must be an http:// or https:// URL' },
    { path: 'retry_countdown_config.kwargs.base', message: 'must be a non-negative integer' },
    { path: 'target_url_extra', message: 'is not a known field' },
  ]);
  it.each([
    ['its own path', 'target_url', ['must be an http:// or https:// URL']],
    ['a path under it', 'retry_countdown_config', ['must be a non-negative integer']],
    ['the exact nested path', 'retry_countdown_config.kwargs.base', ['must be a non-negative integer']],
    ['not a path that merely starts with the same letters', 'target', []],
  ])('a field gets the messages of %s', (_what, path, messages) => {
    expect(messagesFor(errorsOf(error), path)).toEqual(messages);
  });
  it('anything but an ApiError has no field details', () => {
    expect(errorsOf(new Error('x'))).toEqual([]);
  });
});

describe('query strings', () => {
  it.each([
    ['no query', {}, '/v1/deliveries'],
    ['empty values left out', { webhook_id: '', status: undefined, cursor: null }, '/v1/deliveries'],
    ['values escaped', { event_id: 'a b&c', limit: 5 }, '/v1/deliveries?event_id=a+b%26c&limit=5'],
  ])('%s', (_what, query, expected) => {
    expect(withQuery('/v1/deliveries', query)).toBe(expected);
  });
});

describe('times, in UTC', () => {
  it.each([
    ['a timestamp', '2026-11-30T07:00:00.000Z', '2026-11-30 07:00:00 UTC'],
    ['an offset timestamp, shown in UTC', '2026-11-30T08:30:00+01:00', '2026-11-30 07:30:00 UTC'],
    ['none', null, '—'],
    ['not a time', 'soon', 'soon'],
  ])('formatUtc: %s', (_what, value, expected) => {
    expect(formatUtc(value)).toBe(expected);
  });
  it('formatClock shows the UTC clock time of a next run', () => {
    expect(formatClock('2026-11-30T23:00:00.000Z')).toBe('23:00');
  });
});
