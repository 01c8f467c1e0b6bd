import { request, type Dispatcher } from 'undici';
import { RESPONSE_BODY_LIMIT_BYTES } from '../constants';
import { findHeader } from '../rules/headers';
import { liveValues, type RotatingValue } from '../rules/secretRotation';
import { signatureHeader } from '../rules/signature';
import type { SecretBox } from '../secrets';
import { VERSION } from '../version';

export const USER_AGENT = `Switchyard/${VERSION}`;

export interface SendInput {
  url: string;
  /** The raw JSON body, signed byte for byte. */
  body: string;
  /** Headers added before the signature headers (auth, additional headers, x-switchyard-*). */
  headers: Record<string, string>;
  /** Standard Webhooks `webhook-id`: stable across attempts, receivers dedupe on it. */
  messageId: string;
  /**
   * The secrets to sign with, newest first (two while a rotated-out secret is kept: one
   * `webhook-signature` header with both); empty: unsigned.
   */
  signingSecrets: readonly string[];
  timeoutMs: number;
  /** Attempt time; `webhook-timestamp` is its Unix seconds. */
  now?: Date;
}

export interface SendResult {
  ok: boolean;
  statusCode: number | null;
  durationMs: number;
  /** Truncated to RESPONSE_BODY_LIMIT_BYTES. */
  responseBody: string | null;
  retryAfter: string | undefined;
  error: string | null;
  /** Machine-readable failure kind: 'timeout', 'unsafe_target', 'network', 'http'. */
  errorKind: 'timeout' | 'unsafe_target' | 'network' | 'http' | null;
}

/**
 * The secrets that sign a request made at `now`, opened, newest first: the current one, and the
 * one a rotation replaced while it is kept (src/rules/secretRotation.ts).
 */
export function openSigningSecrets(box: SecretBox, sealed: RotatingValue<string>, now: Date): string[] {
  return liveValues(
    {
      current: box.openNullable(sealed.current),
      old: box.openNullable(sealed.old),
      oldExpiresAt: sealed.oldExpiresAt,
    },
    now,
  );
}

/** Reads at most `limit` bytes of a body and discards the rest without buffering it. */
async function readLimited(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    const buf = chunk as Buffer;
    if (size < limit) chunks.push(buf.subarray(0, limit - size));
    size += buf.length;
  }
  const text = Buffer.concat(chunks).toString('utf8');
  return size > limit ? `${text}…[truncated ${size - limit} bytes]` : text;
}

function describe(err: unknown): { kind: NonNullable<SendResult['errorKind']>; message: string } {
  const e = err as {
    code?: string;
    name?: string;
    message?: string;
    cause?: { code?: string; message?: string };
  };
  const code = e.code ?? e.cause?.code;
  if (code === 'ERR_UNSAFE_TARGET' || e.name === 'UnsafeTargetError')
    return { kind: 'unsafe_target', message: e.message ?? 'unsafe target' };
  if (
    code === 'UND_ERR_HEADERS_TIMEOUT' ||
    code === 'UND_ERR_BODY_TIMEOUT' ||
    code === 'UND_ERR_CONNECT_TIMEOUT' ||
    e.name === 'TimeoutError' ||
    e.name === 'AbortError'
  )
    return { kind: 'timeout', message: 'timed out' };
  return { kind: 'network', message: [code, e.message ?? String(err)].filter(Boolean).join(': ') };
}

/**
 * One POST, one answer: no retries and no redirects here — retrying is the workflow's job, so
 * every attempt is recorded and visible.
 */
export async function sendSigned(dispatcher: Dispatcher, input: SendInput): Promise<SendResult> {
  const now = input.now ?? new Date();
  const timestamp = Math.floor(now.getTime() / 1000);
  // A User-Agent among the configured headers replaces ours instead of going out as a second one
  // (undici sends two keys that differ in case as two headers); the other names are refused by
  // rules/headers.ts.
  const ownAgent = findHeader(input.headers, 'user-agent') !== undefined;
  const headers: Record<string, string> = {
    ...input.headers,
    'content-type': 'application/json',
    ...(ownAgent ? {} : { 'user-agent': USER_AGENT }),
    'webhook-id': input.messageId,
    'webhook-timestamp': String(timestamp),
  };
  const signature = signatureHeader(input.signingSecrets, {
    msgId: input.messageId,
    timestamp,
    body: input.body,
  });
  if (signature) headers['webhook-signature'] = signature;
  const started = performance.now();
  try {
    const res = await request(input.url, {
      method: 'POST',
      dispatcher,
      headers,
      body: input.body,
      headersTimeout: input.timeoutMs,
      bodyTimeout: input.timeoutMs,
      signal: AbortSignal.timeout(input.timeoutMs),
    });
    const responseBody = await readLimited(res.body, RESPONSE_BODY_LIMIT_BYTES);
    const ok = res.statusCode >= 200 && res.statusCode < 300;
    const retryAfter = res.headers['retry-after'];
    return {
      ok,
      statusCode: res.statusCode,
      durationMs: Math.round(performance.now() - started),
      responseBody,
      retryAfter: Array.isArray(retryAfter) ? retryAfter[0] : retryAfter,
      error: ok ? null : `HTTP ${res.statusCode}`,
      errorKind: ok ? null : 'http',
    };
  } catch (err) {
    const { kind, message } = describe(err);
    return {
      ok: false,
      statusCode: null,
      durationMs: Math.round(performance.now() - started),
      responseBody: null,
      retryAfter: undefined,
      error: message,
      errorKind: kind,
    };
  }
}
