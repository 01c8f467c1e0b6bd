import { describe, it, expect } from 'vitest';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import {
  secretKeyBytes,
  secretKeySchema,
  signatureHeader,
  signPayload,
  verifySignature,
} from '../../src/rules/signature';

// Secrets as a Standard Webhooks library must be given them: whsec_ as is; any other secret is
// keyed by its UTF-8 bytes, which those libraries take as base64 of the bytes.
const forLibrary = (secret: string) =>
  secret.startsWith('whsec_') ? secret : Buffer.from(secret, 'utf8').toString('base64');

const SECRETS = [
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'whsec_' + Buffer.alloc(32, 7).toString('base64'),
  'my plain secret',
  'ünïcødé-sécret-🔑',
  'c2VjcmV0', // looks like base64 but has no prefix: still its UTF-8 bytes
];

const BODIES = [
  '{"event":{"type":"package.created","uuid":"evt_1"},"payload":{}}',
  '{"payload":{"name":"Zoë — “quoted”","n":1.5e3}}',
  '{}',
];

describe('signPayload', () => {
  it.each([
    // Standard Webhooks specification vector.
    [
      'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      'msg_p5jXN8AQM9LWM0D4loKWxJek',
      1614265330,
      '{"test": 2432232314}',
      'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
    ],
    // Plain secret, computed independently with `openssl dgst -sha256 -hmac`.
    ['my plain secret', 'evt_1', 1700000000, '{"a":1}', 'v1,JR4tscH9eQ7kQ65VZqU6Tc6uVYtdVpkbunPj3cWpZzk='],
  ])('known vector %#', (secret, msgId, timestamp, body, expected) => {
    expect(signPayload({ secret, msgId, timestamp, body })).toBe(expected);
  });

  const cases = SECRETS.flatMap((secret) => BODIES.map((body) => [secret, body] as const));

  it.each(cases)('standardwebhooks verifies (%s, %s)', (secret, body) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const headers = {
      'webhook-id': 'evt_01HXYZ',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signPayload({ secret, msgId: 'evt_01HXYZ', timestamp, body }),
    };
    expect(new StandardWebhook(forLibrary(secret)).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new StandardWebhook(forLibrary(secret)).sign('evt_01HXYZ', new Date(timestamp * 1000), body)).toBe(
      headers['webhook-signature'],
    );
  });

  it.each(cases)('svix verifies with webhook-* and svix-* headers (%s, %s)', (secret, body) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signPayload({ secret, msgId: 'evt_42', timestamp, body });
    const wh = new SvixWebhook(forLibrary(secret));
    const ts = String(timestamp);
    expect(
      wh.verify(body, { 'webhook-id': 'evt_42', 'webhook-timestamp': ts, 'webhook-signature': signature }),
    ).toEqual(JSON.parse(body));
    expect(
      wh.verify(body, { 'svix-id': 'evt_42', 'svix-timestamp': ts, 'svix-signature': signature }),
    ).toEqual(JSON.parse(body));
  });

  it.each([
    ['another secret', { secret: 'other' }],
    ['another id', { msgId: 'evt_other' }],
    ['another timestamp', { timestamp: 1 }],
    ['a changed body', { body: '{"a":2}' }],
  ])('a library refuses the signature for %s', (_name, change) => {
    const timestamp = Math.floor(Date.now() / 1000);
    const base = {
      secret: 'whsec_' + Buffer.alloc(24, 1).toString('base64'),
      msgId: 'evt_1',
      timestamp,
      body: '{"a":1}',
    };
    const signature = signPayload({ ...base, ...change });
    const headers = {
      'webhook-id': 'evt_1',
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signature,
    };
    expect(() => new StandardWebhook(base.secret).verify(base.body, headers)).toThrow();
  });

  it('refuses a non-integer or negative timestamp', () => {
    expect(() => signPayload({ secret: 's', msgId: 'm', timestamp: 1.5, body: '' })).toThrow();
    expect(() => signPayload({ secret: 's', msgId: 'm', timestamp: -1, body: '' })).toThrow();
  });
});

describe('secretKeyBytes', () => {
  it.each([
    ['whsec_AAEC', [0, 1, 2]],
    ['abc', [0x61, 0x62, 0x63]],
    ['é', [0xc3, 0xa9]],
  ])('%s', (secret, bytes) => {
    expect([...secretKeyBytes(secret)]).toEqual(bytes);
  });
});

describe('verifySignature', () => {
  const input = {
    secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
    msgId: 'm1',
    timestamp: 1700000000,
    body: '{}',
  };
  const good = signPayload(input);
  it.each([
    [good, true],
    [`v1,AAAA ${good}`, true],
    [`v1a,xyz ${good}`, true],
    [good.replace('v1,', 'v2,'), false],
    ['v1,AAAA', false],
    ['', false],
    [good.slice(0, -4) + 'AAA=', false],
  ])('%s → %s', (signatureHeader, ok) => {
    expect(verifySignature({ ...input, signatureHeader })).toBe(ok);
  });
});

describe('secretKeySchema', () => {
  it.each([
    ['plain', true],
    ['whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', true],
    ['whsec_AAEC', true],
    ['whsec_', false],
    ['whsec_not base64!', false],
    ['whsec_abc', false],
    ['', false],
    ['x'.repeat(513), false],
  ])('%s → %s', (secret, ok) => {
    expect(secretKeySchema.safeParse(secret).success).toBe(ok);
  });
});

describe('signatureHeader: one header, a signature per secret, newest first (key rotation)', () => {
  const NEW = 'whsec_' + Buffer.alloc(32, 9).toString('base64');
  const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const input = { msgId: 'msg_rot', timestamp: Math.floor(Date.now() / 1000), body: '{"a":1}' };
  const headers = (signature: string | null) => ({
    'webhook-id': input.msgId,
    'webhook-timestamp': String(input.timestamp),
    'webhook-signature': signature ?? '',
  });

  it('is null without a secret and one entry with one', () => {
    expect(signatureHeader([], input)).toBeNull();
    expect(signatureHeader([OLD], input)).toBe(signPayload({ ...input, secret: OLD }));
  });

  it('carries both signatures, new first, and libraries holding either secret verify it', () => {
    const header = signatureHeader([NEW, OLD], input);
    expect(header).toBe(
      `${signPayload({ ...input, secret: NEW })} ${signPayload({ ...input, secret: OLD })}`,
    );
    for (const secret of [NEW, OLD]) {
      expect(new StandardWebhook(secret).verify(input.body, headers(header))).toEqual({ a: 1 });
      expect(new SvixWebhook(secret).verify(input.body, headers(header))).toEqual({ a: 1 });
    }
    const other = 'whsec_' + Buffer.alloc(32, 1).toString('base64');
    expect(() => new StandardWebhook(other).verify(input.body, headers(header))).toThrow();
    expect(() => new SvixWebhook(other).verify(input.body, headers(header))).toThrow();
  });
});
