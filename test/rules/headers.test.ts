import { describe, it, expect } from 'vitest';
import { z } from 'zod';
import {
  additionalHeadersSchema,
  BASIC_PASSWORD_RE,
  BASIC_USERNAME_RE,
  BEARER_TOKEN_RE,
  checkHeaders,
  findHeader,
  HEADER_VALUE_PATTERN,
  MAX_HEADERS,
} from '../../src/rules/headers';

// As the webhook body embeds it, so paths read like the API's error details.
const body = z.object({ additional_headers: additionalHeadersSchema });
const paths = (headers: unknown) => {
  const r = body.safeParse({ additional_headers: headers });
  return r.success ? [] : r.error.issues.map((i) => i.path.join('.'));
};

describe('additionalHeadersSchema', () => {
  it.each<[string, Record<string, string> | null]>([
    ['null', null],
    ['empty', {}],
    ['simple', { 'X-Api-Key': 'abc123' }],
    ['authorization (auth checked elsewhere)', { Authorization: 'Bearer x' }],
    ['user-agent', { 'User-Agent': 'mine' }],
    ['all tchar', { "!#$%&'*+-.^_`|~09azAZ": 'v' }],
    ['empty value', { 'X-Empty': '' }],
    ['tab and spaces', { 'X-T': 'a\tb c' }],
    ['latin-1', { 'X-L': 'café' }],
    ['50 headers', Object.fromEntries(Array.from({ length: MAX_HEADERS }, (_, i) => [`X-H${i}`, 'v']))],
  ])('accepts %s', (_name, headers) => {
    expect(additionalHeadersSchema.safeParse(headers).success).toBe(true);
  });

  it.each<[string, unknown, string[]]>([
    ['space in name', { 'X Foo': 'v' }, ['additional_headers.X Foo']],
    ['colon in name', { 'X-Foo:': 'v' }, ['additional_headers.X-Foo:']],
    ['empty name', { '': 'v' }, ['additional_headers.']],
    ['non-ASCII name', { 'X-Café': 'v' }, ['additional_headers.X-Café']],
    ['CRLF injection', { 'X-Foo': 'a\r\nX-Evil: 1' }, ['additional_headers.X-Foo']],
    ['LF', { 'X-Foo': 'a\nb' }, ['additional_headers.X-Foo']],
    ['NUL', { 'X-Foo': 'a\0b' }, ['additional_headers.X-Foo']],
    ['other control', { 'X-Foo': 'a\x07b' }, ['additional_headers.X-Foo']],
    ['DEL', { 'X-Foo': 'a\x7fb' }, ['additional_headers.X-Foo']],
    ['beyond latin-1', { 'X-Foo': '🔑' }, ['additional_headers.X-Foo']],
    ['host', { Host: 'evil.example' }, ['additional_headers.Host']],
    ['content-length', { 'content-length': '5' }, ['additional_headers.content-length']],
    ['transfer-encoding', { 'Transfer-Encoding': 'chunked' }, ['additional_headers.Transfer-Encoding']],
    ['connection', { CONNECTION: 'close' }, ['additional_headers.CONNECTION']],
    ['content-type', { 'Content-Type': 'text/plain' }, ['additional_headers.Content-Type']],
    ['keep-alive', { 'Keep-Alive': '5' }, ['additional_headers.Keep-Alive']],
    ['upgrade', { Upgrade: 'h2c' }, ['additional_headers.Upgrade']],
    ['expect', { Expect: '100-continue' }, ['additional_headers.Expect']],
    ['webhook-signature', { 'Webhook-Signature': 'v1,x' }, ['additional_headers.Webhook-Signature']],
    ['webhook-id', { 'webhook-id': 'x' }, ['additional_headers.webhook-id']],
    ['any webhook-*', { 'Webhook-Anything': 'x' }, ['additional_headers.Webhook-Anything']],
    ['x-switchyard-*', { 'X-Switchyard-Event': 'x' }, ['additional_headers.X-Switchyard-Event']],
    ['case-duplicate', { 'X-A': '1', 'x-a': '2' }, ['additional_headers.x-a']],
    ['value too long', { 'X-Big': 'a'.repeat(8_193) }, ['additional_headers.X-Big']],
    ['name too long', { ['X'.repeat(257)]: 'v' }, [`additional_headers.${'X'.repeat(257)}`]],
    [
      'too many',
      Object.fromEntries(Array.from({ length: MAX_HEADERS + 1 }, (_, i) => [`X-H${i}`, 'v'])),
      ['additional_headers'],
    ],
    [
      'several bad at once',
      { Host: 'x', 'X-Ok': 'fine', 'X-Bad': 'a\r\n' },
      ['additional_headers.Host', 'additional_headers.X-Bad'],
    ],
    ['non-string value', { 'X-Num': 5 }, ['additional_headers.X-Num']],
    ['array', ['X-Foo'], ['additional_headers']],
    ['string', 'X-Foo: bar', ['additional_headers']],
  ])('rejects %s', (_name, headers, expected) => {
    expect(paths(headers)).toEqual(expected);
  });

  it('gives readable messages', () => {
    expect(checkHeaders({ 'X-Foo': 'a\r\nb', Host: 'x', 'a b': 'c' }).map((i) => i.message)).toEqual([
      'header value must not contain CR, LF, NUL or other control characters',
      'header Host is set by Switchyard and cannot be overridden',
      "header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
    ]);
  });
});

describe('findHeader', () => {
  it.each<[Record<string, string> | null, string, string | undefined]>([
    [{ Authorization: 'Bearer x' }, 'authorization', 'Bearer x'],
    [{ authorization: 'Basic y' }, 'Authorization', 'Basic y'],
    [{ 'X-Other': 'z' }, 'authorization', undefined],
    [null, 'authorization', undefined],
  ])('%j has %s → %s', (headers, name, expected) => {
    expect(findHeader(headers, name)).toBe(expected);
  });
});

describe('auth credentials', () => {
  it.each<[string, RegExp, string, boolean]>([
    ['a bearer token', BEARER_TOKEN_RE, 'eyJhbGciOi.J9-_~+/=', true],
    ['a bearer token with Latin-1', BEARER_TOKEN_RE, 'tök', true],
    ['an empty bearer token', BEARER_TOKEN_RE, '', false],
    ['a bearer token with CR/LF', BEARER_TOKEN_RE, 'a\r\nX-Evil: 1', false],
    ['a bearer token with NUL', BEARER_TOKEN_RE, 'a\u0000', false],
    ['a bearer token with a space', BEARER_TOKEN_RE, 'a b', false],
    ['a bearer token with a tab', BEARER_TOKEN_RE, 'a\tb', false],
    ['a bearer token beyond Latin-1', BEARER_TOKEN_RE, 'tok€n', false],
    ['a bearer token with an emoji', BEARER_TOKEN_RE, '🔑', false],
    ['a basic username', BASIC_USERNAME_RE, 'oms user', true],
    ['a basic username in UTF-8', BASIC_USERNAME_RE, 'Łukasz', true],
    ['a basic username with a colon', BASIC_USERNAME_RE, 'a:b', false],
    ['a basic username with LF', BASIC_USERNAME_RE, 'a\nb', false],
    ['an empty basic username', BASIC_USERNAME_RE, '', false],
    ['a basic password with a colon', BASIC_PASSWORD_RE, 'p:ss wörd€', true],
    ['an empty basic password', BASIC_PASSWORD_RE, '', true],
    ['a basic password with CR', BASIC_PASSWORD_RE, 'p\rq', false],
    ['a basic password with DEL', BASIC_PASSWORD_RE, 'p\x7f', false],
  ])('%s: %j → %s', (_name, re, value, ok) => {
    expect(re.test(value)).toBe(ok);
  });
});

describe('HEADER_VALUE_PATTERN (the OpenAPI statement of the value rule)', () => {
  const re = new RegExp(HEADER_VALUE_PATTERN);
  it.each(['plain', '', 'a\tb c', 'café', 'x'.repeat(100), 'a\r\nb', 'a\u0000', 'a\x7f', '🔑', 'Ω'])(
    'agrees with checkHeaders on %j',
    (value) => {
      expect(re.test(value)).toBe(checkHeaders({ 'X-V': value }).length === 0);
    },
  );
});
