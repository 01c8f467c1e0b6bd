// The contract's bound on a rate-limited webhook: over any interval of length T, at most
// max·(T/per + 1) attempts start. Checked over every window between two observed start times.
import { expect } from 'vitest';

/**
 * Scheduling slack on observed times: an attempt's recorded start is the worker's clock read just
 * after the bucket (on the database's clock) granted its token (measured: tens of milliseconds
 * apart on a loaded machine). Arrivals at the receiver get this plus the slowest send measured.
 */
export const RATE_SLACK_MS = 150;

export interface RateBreach {
  from: number;
  to: number;
  count: number;
  bound: number;
}

/**
 * The first window [times[i], times[j]] holding more times than max·((T + slackMs)/per + 1), or
 * null. `slackMs` widens every window: times observed after the fact (a receiver's arrival clock)
 * can come closer together than the starts the bucket decided, by scheduling and network jitter.
 */
export function rateBoundBreach(
  times: readonly number[],
  limit: { max: number; perMs: number },
  slackMs = 0,
): RateBreach | null {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const from = sorted[i] as number;
      const to = sorted[j] as number;
      const count = j - i + 1;
      const bound = limit.max * ((to - from + slackMs) / limit.perMs + 1);
      if (count > bound + 1e-6) return { from, to, count, bound };
    }
  }
  return null;
}

/** One attempt as the tests observe it: when it started (its recorded started_at) and reached the receiver. */
export interface ObservedAttempt {
  started: number;
  arrived: number;
}

/**
 * Pairs each delivery's first attempt (as `GET /v1/deliveries` shows it) with its request at the
 * receiver (by the `x-switchyard-delivery` header).
 */
export function observedAttempts(
  deliveries: ReadonlyArray<{ id: string; attempts: ReadonlyArray<{ started_at: string }> }>,
  requests: ReadonlyArray<{ headers: Record<string, string | string[] | undefined>; at: number }>,
): ObservedAttempt[] {
  return deliveries.map((d) => {
    const request = requests.find((r) => r.headers['x-switchyard-delivery'] === d.id);
    if (!request || !d.attempts[0]) throw new Error(`delivery ${d.id} has no recorded attempt or request`);
    return { started: Date.parse(d.attempts[0].started_at), arrived: request.at };
  });
}

/**
 * The bound on the attempts' starts (recorded by the worker when the token was granted) with
 * `slackMs`, and on their arrivals at the receiver with `slackMs` plus the slowest send measured
 * (an arrival comes up to that long after its start, so arrivals can bunch up by as much; on a
 * loaded machine sends are slow at times). `sendMs` is that slowest send.
 */
export function rateBoundBreaches(
  attempts: readonly ObservedAttempt[],
  limit: { max: number; perMs: number },
  slackMs: number,
): { starts: RateBreach | null; arrivals: RateBreach | null; sendMs: number } {
  const sendMs = Math.max(0, ...attempts.map((a) => a.arrived - a.started));
  return {
    starts: rateBoundBreach(
      attempts.map((a) => a.started),
      limit,
      slackMs,
    ),
    arrivals: rateBoundBreach(
      attempts.map((a) => a.arrived),
      limit,
      slackMs + sendMs,
    ),
    sendMs,
  };
}

/**
 * Asserts that a burst of deliveries to one webhook, all delivered with one attempt each, kept to
 * `limit`: their starts and arrivals within the bound (rateBoundBreaches, RATE_SLACK_MS), and
 * spread as a bucket that starts full must spread them, (n − max)·per/max from first to last.
 * Answers the first start and that span.
 */
export function expectBurstWithinLimit(
  deliveries: Parameters<typeof observedAttempts>[0],
  requests: Parameters<typeof observedAttempts>[1],
  limit: { max: number; perMs: number },
): { firstStart: number; span: number } {
  const observed = observedAttempts(deliveries, requests);
  const breaches = rateBoundBreaches(observed, limit, RATE_SLACK_MS);
  expect(breaches, JSON.stringify(observed)).toEqual({
    starts: null,
    arrivals: null,
    sendMs: breaches.sendMs,
  });
  const starts = observed.map((o) => o.started);
  const firstStart = Math.min(...starts);
  const span = Math.max(...starts) - firstStart;
  expect(span).toBeGreaterThan(((observed.length - limit.max) * limit.perMs) / limit.max - RATE_SLACK_MS);
  return { firstStart, span };
}
