import { z } from 'zod';
import { CURSOR_PATTERN } from '../db/paginate';
import { integerRangePattern } from '../rules/duration';
import { DEFAULT_KEEP_OLD_FOR, keepOldForSchema } from '../rules/secretRotation';
import { secretKeySchema } from '../rules/signature';

export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string(),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })),
    }),
  })
  .meta({ id: 'Error' });

/** A regular expression (for the OpenAPI document) matching exactly one of `values`. */
export function oneOfPattern(values: readonly string[]): string {
  return `^(?:${values.map((v) => v.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;
}

/**
 * A required display name: trimmed, then 1–200 characters. The pattern says "has a character that
 * is not whitespace" for the document; U+FEFF is named because JavaScript trims it and other regex
 * engines do not count it as whitespace.
 */
export const requiredName = z
  .string()
  .trim()
  .min(1, 'must not be empty')
  .max(200, 'must be at most 200 characters')
  .meta({ pattern: '[^\\s\\ufeff]' });

export const idParams = z.object({ id: z.string().min(1).max(200) });

export const timestamp = z.string().meta({ format: 'date-time', example: '2026-11-23T08:00:00.000Z' });

/** The instants an input timestamp may name (README, "Input rules"). */
export const MIN_INPUT_TIME_MS = Date.UTC(1970, 0, 1);
export const MAX_INPUT_TIME_MS = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const TIME_RANGE = 'must lie between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z';

const OCTET = integerRangePattern(0, 255);
/** A host name label with single hyphens inside it only: no `xn--` (punycode) label can match. */
const LABEL = '[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*';
/**
 * The URLs the document promises to accept: http(s); a host that is a dotted IPv4 address or an
 * ASCII name whose last label starts with a letter (WHATWG URL reads a name ending in a number as
 * IPv4 and refuses it if it is not one) and whose labels have hyphens only singly and inside (an
 * `xn--` label must be valid punycode, so none can match; no lookarounds, for every regex engine);
 * a port 1–65535; then visible ASCII. The server accepts more (IDN hosts, IPv6 literals, anything
 * `new URL` parses), but every value this admits parses. What no pattern can say (a public
 * address) is checked by the server (422).
 */
export const HTTP_URL_PATTERN =
  '^[Hh][Tt][Tt][Pp][Ss]?://' +
  `(?:(?:${OCTET})(?:\\.(?:${OCTET})){3}|(?:${LABEL}\\.)*[A-Za-z][A-Za-z0-9]*(?:-[A-Za-z0-9]+)*)` +
  `(?::(?:${integerRangePattern(1, 65535)}))?` +
  '(?:[/?#][\\x21-\\x7E]*)?$';

/**
 * The year range of timestampInput as a pattern (prefix; the format says the rest): 1971–9998
 * whole, 1970 after its first day, 1970-01-01 only in UTC or behind it, and 9999-12-31 only in
 * UTC or ahead of it (a few valid edge values, such as 1970-01-01T05:00:00+01:00, are left out).
 */
const TIMESTAMP_RANGE_PATTERN =
  '^(?:(?:19[7-9][1-9]|19[89]0|[2-8][0-9]{3}|9[0-8][0-9]{2}|99[0-8][0-9]|999[0-8])-' +
  '|1970-(?:0[2-9]|1[0-2])-|1970-01-(?:0[2-9]|[12][0-9]|3[01])T' +
  '|1970-01-01T[0-9:.]+(?:Z|-[0-9]{2}:[0-9]{2}|\\+00:00)$' +
  '|9999-(?:0[1-9]|1[01])-|9999-12-(?:[0-2][0-9]|30)T' +
  '|9999-12-31T[0-9:.]+(?:Z|\\+[0-9]{2}:[0-9]{2}|-00:00)$)';

/**
 * An RFC 3339 timestamp from a client. zod checks the calendar (no 30 February, no leap second);
 * the range keeps out years PostgreSQL stores differently or not at all (year 0, and year 10000
 * that `9999-12-31T23:59:59-14:00` is in UTC) and that would not print back as RFC 3339.
 * Fractions beyond milliseconds are dropped.
 */
export const timestampInput = z.iso
  .datetime({ offset: true, message: 'must be an RFC 3339 timestamp' })
  // zod runs this after a failed format too: a value Date cannot read is the format's issue.
  .refine((s) => {
    const t = Date.parse(s);
    return Number.isNaN(t) || (t >= MIN_INPUT_TIME_MS && t <= MAX_INPUT_TIME_MS);
  }, TIME_RANGE)
  .meta({
    description: `RFC 3339 timestamp with a zone (Z or ±hh:mm), between 1970-01-01T00:00:00Z and 9999-12-31T23:59:59Z; kept to the millisecond`,
    pattern: TIMESTAMP_RANGE_PATTERN,
    example: '2026-11-23T08:00:00Z',
  });

const CURSOR_DESCRIPTION =
  'Opaque: the `next_cursor` of the previous page, passed back unchanged (the pattern below). ' +
  'Pages run newest first, starting after the cursor; a malformed cursor answers 422.';

export const listQuery = z.object({
  limit: z.coerce
    .number({ message: 'must be an integer between 1 and 100' })
    .int('must be an integer between 1 and 100')
    .min(1, 'must be an integer between 1 and 100')
    .max(100, 'must be an integer between 1 and 100')
    .default(50)
    .meta({ description: 'Items per page, 1–100' }),
  cursor: z
    .string()
    .regex(CURSOR_PATTERN, 'is not a cursor from a previous page')
    .optional()
    .meta({ description: CURSOR_DESCRIPTION, example: 'whk_06h2hc3v4cn01tspcqf65362dx' }),
});

export function listResponse<T extends z.ZodType>(item: T) {
  return z.object({
    data: z.array(item),
    next_cursor: z
      .string()
      .nullable()
      .meta({ description: 'Pass as `cursor` for the next (older) page; null on the last page' }),
  });
}

export function toIso(value: Date | string | null | undefined): string | null {
  if (value === null || value === undefined) return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
}

/** POST /v1/webhooks/{id}/rotate-secret and /v1/channels/{id}/rotate-connector-secret. */
export const rotateSecretBody = z
  .strictObject({
    secret_key: secretKeySchema.optional().meta({
      description:
        'The new signing secret (a `whsec_` secret or any other string, as for `secret_key`); left out: a new ' +
        '`whsec_` secret of 32 random bytes is generated',
    }),
    keep_old_for: keepOldForSchema.default(DEFAULT_KEEP_OLD_FOR),
  })
  .meta({
    id: 'RotateSecret',
    description:
      'The body may be empty or left out. While the old secret is kept, every request carries two signatures in ' +
      'one `webhook-signature` header, new first (`v1,<with new> v1,<with old>`); after `old_secret_expires_at`, ' +
      'only the new one. Rotating again while an old secret is kept replaces it with the current one.',
  });

export type RotateSecretBody = z.infer<typeof rotateSecretBody>;

/** The answer of a secret rotation: the new secret, shown this once. */
export const rotatedSecretSchema = z
  .object({
    secret_key: z
      .string()
      .meta({ description: 'The new signing secret; shown this once, never returned again' }),
    old_secret_expires_at: timestamp.nullable().meta({
      description:
        'Until when requests are also signed with the replaced secret (exclusive); null: it was dropped at ' +
        'once (`keep_old_for` null or "0s") or there was none',
    }),
  })
  .meta({ id: 'RotatedSecret' });

export type RotatedSecret = z.infer<typeof rotatedSecretSchema>;
