// The OpenAPI document states input rules as patterns (schemathesis generates from them, issue 9):
// every value a documented pattern admits must be one the server's own validation accepts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeCursor } from '../../src/db/paginate';
import { newId } from '../../src/ids';
import { HTTP_URL_PATTERN, listQuery, timestampInput } from '../../src/schemas/common';

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
