import { randomBytes } from 'node:crypto';

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'; // Crockford base32, lower case

function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/**
 * Opaque, time-ordered ids (`acc_01j...`): a 48-bit millisecond timestamp then 80 random bits,
 * so ids sort by creation time and make stable pagination cursors.
 */
export function newId(prefix: string, now = Date.now()): string {
  const ts = Buffer.alloc(6);
  ts.writeUIntBE(now, 0, 6);
  return `${prefix}_${base32(ts)}${base32(randomBytes(10))}`;
}

export function randomToken(bytes = 20): string {
  return base32(randomBytes(bytes));
}
