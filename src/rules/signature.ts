import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';

/**
 * Standard Webhooks v1 signatures (HMAC-SHA256 over `<webhook-id>.<webhook-timestamp>.<body>`),
 * so any Standard Webhooks or Svix library verifies our deliveries.
 */

const WHSEC_PREFIX = 'whsec_';
const STRICT_BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** HMAC key: the base64-decoded remainder of a `whsec_` secret, else the secret's UTF-8 bytes. */
export function secretKeyBytes(secret: string): Buffer {
  return secret.startsWith(WHSEC_PREFIX)
    ? Buffer.from(secret.slice(WHSEC_PREFIX.length), 'base64')
    : Buffer.from(secret, 'utf8');
}

export interface SignInput {
  secret: string;
  msgId: string;
  /** Unix seconds of this attempt (the webhook-timestamp header). */
  timestamp: number;
  /** The exact bytes sent, as a string. */
  body: string;
}

/** The `webhook-signature` header value: `v1,<base64>`. */
export function signPayload({ secret, msgId, timestamp, body }: SignInput): string {
  if (!Number.isInteger(timestamp) || timestamp < 0) throw new Error('timestamp must be unix seconds');
  const mac = createHmac('sha256', secretKeyBytes(secret)).update(`${msgId}.${timestamp}.${body}`);
  return `v1,${mac.digest('base64')}`;
}

/**
 * The `webhook-signature` header for one or more secrets, newest first: space-separated
 * `v1,<base64>` entries (Standard Webhooks allows several, for key rotation); null without a secret.
 */
export function signatureHeader(secrets: readonly string[], input: Omit<SignInput, 'secret'>): string | null {
  if (secrets.length === 0) return null;
  return secrets.map((secret) => signPayload({ ...input, secret })).join(' ');
}

/**
 * Does `signatureHeader` (space-separated `v1,<sig>` entries, as receivers may get several during
 * key rotation) carry a valid signature? For our own test receivers; timestamp freshness is the
 * caller's business.
 */
export function verifySignature(input: SignInput & { signatureHeader: string }): boolean {
  const expected = Buffer.from(signPayload(input).slice(3), 'base64');
  return input.signatureHeader.split(' ').some((entry) => {
    if (!entry.startsWith('v1,')) return false;
    const got = Buffer.from(entry.slice(3), 'base64');
    return got.length === expected.length && timingSafeEqual(got, expected);
  });
}

/**
 * `secret_key` as the API accepts it. A `whsec_` secret must be valid base64 after the prefix:
 * lenient decoding would sign with a key no receiver library derives from the same string.
 */
export const secretKeySchema = z
  .string()
  .min(1)
  .max(512)
  .refine((s) => {
    if (!s.startsWith(WHSEC_PREFIX)) return true;
    const rest = s.slice(WHSEC_PREFIX.length);
    return rest.length > 0 && STRICT_BASE64.test(rest);
  }, 'a whsec_ secret must be followed by base64 (Standard Webhooks format)');
