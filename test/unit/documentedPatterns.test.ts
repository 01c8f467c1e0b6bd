// The OpenAPI document states input rules as patterns (schemathesis generates from them, issue 9):
// every value a documented pattern admits must be one the server's own validation accepts.
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { encodeCursor } from '../../src/db/paginate';
import { newId } from '../../src/ids';
import { shiftSchema } from '../../src/rules/duration';
import { HTTP_URL_PATTERN, listQuery, requiredName, timestampInput } from '../../src/schemas/common';
import { putRecurringJobBody } from '../../src/schemas/jobs';
import { createWebhookBody } from '../../src/schemas/webhooks';
import { createEventBody } from '../../src/schemas/events';
import { EVENT_TYPES } from '../../src/rules/eventTypes';

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
    for (const s of [
      'https://192.0.2.14/hooks',
      'HTTP://example.com',
      'http://h:8080/p?q=1#f',
      'http://a-b.c-d/',
    ])
      expect(re.test(s), s).toBe(true);
    for (const s of [
      '',
      '0',
      'ftp://example.com',
      'https://',
      'https:// x',
      'https://a b',
      'http://a.1/', // a name ending in a number is read as IPv4, and refused
      'http://1.2.3.256/',
      'http://xn--a/', // invalid punycode
      'http://a:0/',
      'http://a:65536/',
      'http://u:p@a.example/',
    ])
      expect(re.test(s), s).toBe(false);
  });

  it('URLs: every URL the pattern admits is one the server accepts (20,000 generated near misses)', () => {
    const re = new RegExp(HTTP_URL_PATTERN);
    const target = createWebhookBody.shape.target_url;
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const pick = <T>(xs: readonly T[]) => xs[rand(xs.length)] as T;
    const pieces = [
      'a',
      'Z',
      '0',
      '9',
      '-',
      '.',
      'xn--',
      '255',
      '256',
      '1',
      'é',
      '%',
      '_',
      ':',
      '@',
      '[',
      ':0',
      ':65535',
      ':65536',
    ];
    let admitted = 0;
    for (let i = 0; i < 20_000; i++) {
      const host = Array.from({ length: 1 + rand(8) }, () => pick(pieces)).join('');
      const url = `${pick(['http', 'HttPs', 'ftp'])}://${host}${pick(['', '/', '/p?q=1', '#f', '/\u00e9'])}`;
      if (!re.test(url)) continue;
      admitted++;
      expect(target.safeParse(url).success, url).toBe(true);
    }
    expect(admitted).toBeGreaterThan(1_000);
  });

  it('notify_email: the documented pattern is the server’s own rule', () => {
    const schema = createWebhookBody.shape.notify_email.unwrap().unwrap();
    const re = documented(schema);
    for (const s of [
      'ops@shop.example',
      "o'neil+x@a-b.example",
      'a.b@c.de',
      'x@y.z',
      'a..b@c.de',
      '.a@b.cd',
      'a.@b.cd',
      'a@b',
      'a@-b.cd',
    ])
      expect(re.test(s), s).toBe(schema.safeParse(s).success);
  });

  it('event types: the documented pattern admits exactly the types POST /v1/events accepts', () => {
    const schema = createEventBody.shape.type;
    const re = documented(schema);
    const candidates = [...EVENT_TYPES.map((e) => e.type), '*', 'package.*', 'switchyard.*', 'nope', ''];
    for (const t of candidates) expect(re.test(t), t).toBe(schema.safeParse(t).success);
    // Only Switchyard emits the operational ones; webhook.test is sent by POST /v1/webhooks/{id}/test.
    for (const t of ['switchyard.delivery.failed', 'switchyard.emergency_job.started', 'webhook.test'])
      expect(re.test(t), t).toBe(false);
    expect(re.test('package.created')).toBe(true);
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
