// What one failed (or refused) attempt means for its webhook and for the delivery's next attempt.
// Pure: the attempt activity records the answer and acts on these decisions; the workflow branches
// on the typed cause, never on message text.
import { parseRetryAfter } from './retryPolicy';

/** Every attempt failing for this long, with no success in between, disables the webhook. */
export const FAILING_DISABLE_AFTER_MS = 5 * 24 * 3600_000;

/**
 * Why a delivery gets no further attempts although none succeeded. `webhook_deleted` and
 * `webhook_disabled` are found before sending (the delivery row is settled on the spot);
 * `gone` and `failing_too_long` follow from the answer and disable the webhook.
 */
export type StopCause =
  | { kind: 'webhook_deleted' }
  | { kind: 'webhook_disabled' }
  | { kind: 'gone' }
  | { kind: 'failing_too_long' };

export type StopKind = StopCause['kind'];

/** The text kept as the delivery's `last_error` and the webhook's `disabled_reason`. */
export function describeStop(cause: StopCause): string {
  switch (cause.kind) {
    case 'webhook_deleted':
      return 'webhook deleted';
    case 'webhook_disabled':
      return 'webhook disabled';
    case 'gone':
      return 'the target answered 410 Gone';
    case 'failing_too_long':
      return 'every delivery failed for 5 days with no success';
  }
}

/** Whether the attempt found its webhook already unusable (and so settled the delivery itself). */
export function stoppedBeforeSending(cause: StopCause): boolean {
  return cause.kind === 'webhook_deleted' || cause.kind === 'webhook_disabled';
}

/** Before sending: a deleted or disabled webhook gets no attempt. */
export function refusalBeforeSending(webhook: { deleted: boolean; enabled: boolean }): StopCause | null {
  if (webhook.deleted) return { kind: 'webhook_deleted' };
  if (!webhook.enabled) return { kind: 'webhook_disabled' };
  return null;
}

export interface FailedAttempt {
  /** null: no HTTP answer (timeout, connection refused, reset). */
  statusCode: number | null;
  /** Test deliveries never count towards disabling a webhook. */
  test: boolean;
  /** When the webhook's current run of failures began (this attempt's start if none was running). */
  failingSince: Date;
  startedAt: Date;
}

/** After a failed attempt: disable the webhook (410 Gone, or five days of failures), or carry on. */
export function afterFailedAttempt(a: FailedAttempt): StopCause | null {
  if (a.statusCode === 410) return { kind: 'gone' };
  if (!a.test && a.startedAt.getTime() - a.failingSince.getTime() >= FAILING_DISABLE_AFTER_MS) {
    return { kind: 'failing_too_long' };
  }
  return null;
}

/**
 * The `Retry-After` floor for the next attempt, honoured on 429 and 503 only (RFC 9110 gives it
 * meaning there; elsewhere a stray header must not stretch our countdown). undefined: no floor.
 */
export function retryAfterFloorMs(
  statusCode: number | null,
  retryAfter: string | undefined,
  now: Date,
): number | undefined {
  if (statusCode !== 429 && statusCode !== 503) return undefined;
  return parseRetryAfter(retryAfter, now);
}
