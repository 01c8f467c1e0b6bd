// A webhook's `additional_headers` usually carry credentials (API keys, tenant tokens), so they are
// handled like its secret key and channel connector headers: sealed at rest as one JSON object,
// opened only to send a request, and shown with their names but never their values.
import type { ErrorDetail } from '../errors';
import type { SecretBox } from '../secrets';

export type HeaderMap = Record<string, string>;

/**
 * What every response shows instead of a header value. Sent back as a value on PATCH it means
 * "keep the value stored for this name", so a client can return the object it read with one
 * header changed without knowing (or resending) the others.
 */
export const MASKED_HEADER_VALUE = '***';

export function sealHeaders(secrets: SecretBox, headers: HeaderMap | null): string | null {
  return headers ? secrets.seal(JSON.stringify(headers)) : null;
}

export function openHeaders(secrets: SecretBox, sealed: string | null): HeaderMap | null {
  return sealed ? (JSON.parse(secrets.open(sealed)) as HeaderMap) : null;
}

/** The names with every value masked. */
export function maskHeaders(headers: HeaderMap | null): HeaderMap | null {
  return headers ? Object.fromEntries(Object.keys(headers).map((name) => [name, MASKED_HEADER_VALUE])) : null;
}

/**
 * The headers a request asks to store: masked values take the stored value of the same name
 * (names compare case-insensitively, like HTTP's); a mask with nothing stored under its name is
 * a problem, since there is no value to keep.
 */
export function keepMaskedValues(
  requested: HeaderMap | null,
  stored: HeaderMap | null,
): { headers: HeaderMap | null; problems: ErrorDetail[] } {
  if (!requested) return { headers: null, problems: [] };
  const byLowerName = new Map(Object.entries(stored ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
  const headers: HeaderMap = {};
  const problems: ErrorDetail[] = [];
  for (const [name, value] of Object.entries(requested)) {
    if (value !== MASKED_HEADER_VALUE) {
      headers[name] = value;
      continue;
    }
    const kept = byLowerName.get(name.toLowerCase());
    if (kept === undefined)
      problems.push({
        path: `additional_headers.${name}`,
        message: `"${MASKED_HEADER_VALUE}" keeps the stored value, and this webhook stores no header ${name}`,
      });
    else headers[name] = kept;
  }
  return { headers, problems };
}
