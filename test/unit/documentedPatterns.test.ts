// The OpenAPI document states input rules as patterns (schemathesis generates from them, issue 9):
// every value a documented pattern admits must be one the server's own validation accepts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeCursor } from '../../src/db/paginate';
import { newId } from '../../src/ids';
import { shiftSchema } from '../../src/rules/duration';
import { HTTP_URL_PATTERN, listQuery, requiredName, timestampInput } from '../../src/schemas/common';
import { putRecurringJobBody } from '../../src/schemas/jobs';

const documented = (schema: z.ZodType) => new RegExp(String(z.globalRegistry.get(schema)?.pattern));

describe('documented patterns', () => {
  it('timestamps: the pattern keeps to the years the server stores, edges included', () => {
    const re = documented(timestampInput);
    const inside = [
      '1970-01-01T00:00:00Z',
      '1970-01-01T00:00:00-05:00',
      '1970-01-02T00:00:00+14:00',
      '1971-06-01T12:00:00.5+01:00',
      '2026-11-23T08:00:00Z',
      '9998-12-31T23:59:59-14:00',
      '9999-12-31T23:59:59Z',
      '9999-12-31T23:59:59+14:00',
    ];
    const outside = [
      '1969-12-31T23:59:59Z',
      '0996-08-26T08:38:53Z',
      '1605-04-22T04:19:57Z',
      '1970-01-01T00:30:00+01:00',
      '9999-12-31T23:59:59-14:00',
      '0000-01-01T00:00:00Z',
    ];
    for (const s of inside) {
      expect(re.test(s), s).toBe(true);
      expect(timestampInput.safeParse(s).success, s).toBe(true);
    }
    for (const s of outside) expect(re.test(s), s).toBe(false);
  });

  it('shift: "minimal" or a delay, one pattern that agrees with the validation both ways', () => {
    const schema = shiftSchema('minimal');
    const re = documented(schema);
    const accepted = ['minimal', '0s', '5m', '12h', '366d', '31622400s'];
    const refused = ['', 'Minimal', 'minimal5m', '367d', '31622401s', '5', '-5m', '5 m', 'null'];
    for (const s of accepted) {
      expect(re.test(s), s).toBe(true);
      expect(schema.safeParse(s).success, s).toBe(true);
    }
    for (const s of refused) {
      expect(re.test(s), s).toBe(false);
      expect(schema.safeParse(s).success, s).toBe(false);
    }
    expect(putRecurringJobBody.parse({ period: '1h', shift: null }).shift).toBeNull();
    expect(putRecurringJobBody.safeParse({ period: '1h', shift: 42 }).success).toBe(false);
  });

  it('required names: the pattern admits exactly what is not empty once trimmed', () => {
    const re = documented(requiredName);
    const blank = ['', ' ', '\r', '\n\t', '\u00a0', '\ufeff', '\u2028', '\u3000 '];
    const named = ['a', ' a ', '\u00a0x', 'Zürich', '\ufeffb'];
    for (const s of blank) {
      expect(re.test(s), JSON.stringify(s)).toBe(false);
      expect(requiredName.safeParse(s).success, JSON.stringify(s)).toBe(false);
    }
    for (const s of named) {
      expect(re.test(s), JSON.stringify(s)).toBe(true);
      expect(requiredName.safeParse(s).success, JSON.stringify(s)).toBe(true);
    }
  });

  it('URLs: http(s) with a host and no whitespace', () => {
    const re = new RegExp(HTTP_URL_PATTERN);
    for (const s of ['https://93.184.215.14/hooks', 'HTTP://example.com', 'http://h:8080/p?q=1#f'])
      expect(re.test(s), s).toBe(true);
    for (const s of ['', '0', 'ftp://example.com', 'https://', 'https:// x', 'https://a b'])
      expect(re.test(s), s).toBe(false);
  });

  it('cursors: every next_cursor the server hands out passes the documented (zod regex) pattern', () => {
    const cursor = listQuery.shape.cursor.unwrap();
    for (const prefix of ['acc', 'whk', 'evt', 'dlv', 'chn', 'jrun', 'key']) {
      const c = encodeCursor(newId(prefix));
      expect(cursor.safeParse(c).success, c).toBe(true);
    }
    for (const c of ['0000', 'd2hrXzA2aDBhYmM', 'whk_', 'Whk_1'])
      expect(cursor.safeParse(c).success, c).toBe(false);
  });
});
