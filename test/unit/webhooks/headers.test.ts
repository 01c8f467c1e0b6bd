import { describe, expect, it } from 'vitest';
import { SecretBox } from '../../../src/secrets';
import {
  keepMaskedValues,
  MASKED_HEADER_VALUE,
  maskHeaders,
  openHeaders,
  sealHeaders,
} from '../../../src/webhooks/headers';

describe('webhook additional_headers at rest and in responses', () => {
  const box = new SecretBox('unit');

  it('seals to an opaque string and opens to the same object; null stays null', () => {
    const sealed = sealHeaders(box, { 'X-Api-Key': 'k-1' });
    expect(sealed).toMatch(/^v1:/);
    expect(sealed).not.toContain('k-1');
    expect(openHeaders(box, sealed)).toEqual({ 'X-Api-Key': 'k-1' });
    expect(sealHeaders(box, null)).toBeNull();
    expect(openHeaders(box, null)).toBeNull();
  });

  it('masks every value and keeps the names', () => {
    expect(maskHeaders({ A: '1', b: '2' })).toEqual({ A: MASKED_HEADER_VALUE, b: MASKED_HEADER_VALUE });
    expect(maskHeaders(null)).toBeNull();
  });

  it.each([
    ['new values replace', { A: 'new' }, { A: 'old', B: 'b' }, { A: 'new' }, []],
    ['a mask keeps the stored value', { A: '***', C: 'c' }, { A: 'old', B: 'b' }, { A: 'old', C: 'c' }, []],
    ['names match case-insensitively', { 'x-key': '***' }, { 'X-Key': 'k' }, { 'x-key': 'k' }, []],
    ['null removes all', null, { A: 'old' }, null, []],
    ['a mask with nothing stored', { A: '***' }, null, {}, ['additional_headers.A']],
  ])('%s', (_what, requested, stored, headers, paths) => {
    const kept = keepMaskedValues(requested, stored);
    expect(kept.headers).toEqual(headers);
    expect(kept.problems.map((p) => p.path)).toEqual(paths);
  });
});
