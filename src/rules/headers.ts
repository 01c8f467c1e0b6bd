import { z } from 'zod';

/** Rules for `additional_headers` (webhooks) and connector `headers` (channels). */

export const MAX_HEADERS = 50;
export const MAX_HEADER_NAME_LENGTH = 256;
export const MAX_HEADER_VALUE_LENGTH = 8_192;
export const MAX_HEADERS_TOTAL_BYTES = 32_768;

// RFC 9110 §5.6.2: token = 1*tchar.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
// Field values: HTAB, SP, VCHAR and obs-text. Besides CR/LF/NUL (header injection), other control
// characters and code points above U+00FF are refused too: undici would reject or mangle them at
// send time, which would turn a bad config into failed deliveries instead of a 422.
function valueProblem(value: string): 'control' | 'non-latin1' | undefined {
  let problem: 'non-latin1' | undefined;
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return 'control';
    if (c > 0xff) problem = 'non-latin1';
  }
  return problem;
}

/**
 * Names we set ourselves or that HTTP/1.1 framing owns. content-type is fixed to application/json
 * by the contract; x-switchyard-* carry our event/delivery ids, which receivers must be able to trust.
 */
const FORBIDDEN = new Set([
  'host',
  'content-length',
  'transfer-encoding',
  'connection',
  'content-type',
  'keep-alive',
  'upgrade',
  'te',
  'trailer',
  'expect',
  'proxy-connection',
]);
const FORBIDDEN_PREFIXES = ['webhook-', 'x-switchyard-'];

export interface HeaderIssue {
  /** Path relative to the headers object: the header name as given. */
  path: string[];
  message: string;
}

/** Every problem with a headers object (empty when it is acceptable). */
export function checkHeaders(headers: Record<string, string>): HeaderIssue[] {
  const issues: HeaderIssue[] = [];
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) {
    issues.push({ path: [], message: `at most ${MAX_HEADERS} headers are allowed` });
  }
  const seen = new Map<string, string>();
  let total = 0;
  for (const [name, value] of entries) {
    const path = [name];
    const lower = name.toLowerCase();
    total += name.length + value.length;
    if (name.length === 0 || name.length > MAX_HEADER_NAME_LENGTH || !TOKEN.test(name)) {
      issues.push({
        path,
        message: "header name must be an HTTP token (letters, digits and !#$%&'*+-.^_`|~)",
      });
      continue;
    }
    if (FORBIDDEN.has(lower) || FORBIDDEN_PREFIXES.some((p) => lower.startsWith(p))) {
      issues.push({ path, message: `header ${name} is set by Switchyard and cannot be overridden` });
      continue;
    }
    const other = seen.get(lower);
    if (other !== undefined) {
      issues.push({ path, message: `duplicates header ${other} (names are case-insensitive)` });
      continue;
    }
    seen.set(lower, name);
    const problem = valueProblem(value);
    if (problem === 'control') {
      issues.push({ path, message: 'header value must not contain CR, LF, NUL or other control characters' });
    } else if (problem === 'non-latin1') {
      issues.push({ path, message: 'header value must contain only ISO-8859-1 characters' });
    } else if (value.length > MAX_HEADER_VALUE_LENGTH) {
      issues.push({ path, message: `header value must be at most ${MAX_HEADER_VALUE_LENGTH} characters` });
    }
  }
  if (total > MAX_HEADERS_TOTAL_BYTES) {
    issues.push({ path: [], message: `headers must total at most ${MAX_HEADERS_TOTAL_BYTES} characters` });
  }
  return issues;
}

/**
 * Webhook `auth` credentials, which become the Authorization header. A bearer token is sent as it
 * is, so it must be what a header value can carry, and a single word: visible ISO-8859-1
 * characters (VCHAR / obs-text), no spaces. Basic credentials travel base64-encoded as UTF-8
 * (RFC 7617), so any text is sendable; control characters are refused all the same (no user-id or
 * password holds them, and a CR/LF there is an injection attempt), and so is a colon in the
 * user-id, which the receiver would read as the end of it. As regular expressions, so the OpenAPI
 * document states them as patterns.
 */
export const BEARER_TOKEN_RE = /^[\x21-\x7E\x80-\xFF]+$/;
export const BEARER_TOKEN_MESSAGE =
  'must be visible ISO-8859-1 characters only: no spaces, CR, LF or other control characters';
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
export const BASIC_USERNAME_RE = /^[^\x00-\x1F\x7F:]+$/;
export const BASIC_USERNAME_MESSAGE = 'must not contain a colon, CR, LF or other control characters';
// eslint-disable-next-line no-control-regex -- control characters are what it refuses
export const BASIC_PASSWORD_RE = /^[^\x00-\x1F\x7F]*$/;
export const BASIC_PASSWORD_MESSAGE = 'must not contain CR, LF or other control characters';
/** Header values as checkHeaders accepts them, for the OpenAPI document. */
export const HEADER_VALUE_PATTERN = '^[\\t\\x20-\\x7E\\x80-\\xFF]*$';

/** Case-insensitive look-up, e.g. to refuse an Authorization header when `auth` is also set. */
export function findHeader(
  headers: Record<string, string> | null | undefined,
  name: string,
): string | undefined {
  if (!headers) return undefined;
  const lower = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) if (k.toLowerCase() === lower) return v;
  return undefined;
}

export const headersSchema = z
  .record(z.string(), z.string().meta({ pattern: HEADER_VALUE_PATTERN, maxLength: MAX_HEADER_VALUE_LENGTH }))
  .superRefine((headers, ctx) => {
    for (const issue of checkHeaders(headers)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
  })
  .meta({
    description:
      `Header name → value. Names are HTTP tokens (letters, digits and !#$%&'*+-.^_\`|~), unique ` +
      `case-insensitively, and may not be host, content-length, transfer-encoding, connection, ` +
      `content-type, keep-alive, upgrade, te, trailer, expect, proxy-connection, webhook-* or ` +
      `x-switchyard-*. Values are ISO-8859-1 without control characters but tab. At most ` +
      `${MAX_HEADERS} headers, values up to ${MAX_HEADER_VALUE_LENGTH} characters, ` +
      `${MAX_HEADERS_TOTAL_BYTES} in all. A User-Agent replaces Switchyard's own.`,
  });

/**
 * `additional_headers`: object of string → string, or null. Issues are keyed by header name, so
 * inside the webhook body they surface as `additional_headers.X-Foo`. (Authorization is allowed
 * here; the webhook schema refuses it when `auth` is set — see findHeader.)
 */
export const additionalHeadersSchema = headersSchema.nullable();
