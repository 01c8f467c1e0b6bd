/**
 * The bench's delivery-control checks for one phase (`--ordering-keys`, `--rate-limit`,
 * `--unlimited-webhooks`): what was posted and what the receiver saw, through the pure checks in
 * ordering.ts and rateCheck.ts, rounded for the JSON, and the lines the bench prints.
 */
import type { PostResult } from './api';
import { checkOrdering, orderViolations, type AttemptArrival, type OrderReport } from './ordering';
import { checkRate, type RateLimit, type RateReport } from './rateCheck';
import type { Arrival } from './receiver';
import { round } from './stats';

export interface ControlsInput {
  posts: readonly PostResult[];
  attempts: readonly AttemptArrival[];
  /** The receiver's first successful arrivals, `<event id> <webhook number>` → arrival. */
  delivered: ReadonlyMap<string, Arrival>;
  /** Webhook numbers: `webhooks` (ordered and/or limited) from `firstHook`, then `unlimitedWebhooks`. */
  firstHook: number;
  webhooks: number;
  unlimitedWebhooks: number;
  /** K: events carry keys and every webhook is ordered per key (0: no ordering). */
  orderingKeys: number;
  rateLimit?: RateLimit;
  slackMs: number;
  /** False on the plain comparison run (webhooks without ordering or limit): checks for reference. */
  enforced: boolean;
  /** performance.now() of the first POST: rates count from it, and example times are after it. */
  origin: number;
}

export interface GroupRate {
  webhooks: number;
  delivered: number;
  /** Delivered ÷ (last of them − first POST). */
  perSecond: number;
}

export interface ControlsReport {
  enforced: boolean;
  ordering?: OrderReport & { keys: number };
  rateLimit?: {
    limit: string;
    slackMs: number;
    /** Steady attempt rate per webhook, lowest and highest, against max / per. */
    attemptsPerSecond: { min: number; max: number; limit: number };
    violations: number;
    maxExcess: number;
    /** Per window length, the webhook closest to (or furthest past) its bound. */
    worstWindows: Array<{ windowMs: number; allowed: number; maxCount: number; webhook: number }>;
    webhooks: Array<{ webhook: number } & RateReport>;
  };
  /** With unlimited webhooks: deliveries/s of the limited and the unlimited ones. */
  groups?: { limited: GroupRate; unlimited: GroupRate };
  /** Violations that fail the run: 0 unless enforced. */
  failures: number;
}

/** Up to this many limited webhooks get a printed line each. */
const MAX_WEBHOOK_LINES = 5;

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);

export function analyseControls(o: ControlsInput): ControlsReport {
  const limited = range(o.firstHook, o.webhooks);
  const unlimited = range(o.firstHook + o.webhooks, o.unlimitedWebhooks);
  const accepted = o.posts.filter((p) => p.accepted);
  const report: ControlsReport = { enforced: o.enforced, failures: 0 };

  if (o.orderingKeys > 0) {
    const posted = accepted.flatMap((p) =>
      p.messageId && p.orderingKey !== undefined
        ? [{ messageId: p.messageId, key: p.orderingKey, acceptedAt: p.end }]
        : [],
    );
    const r = checkOrdering(posted, o.attempts, [...limited, ...unlimited]);
    const rel = (t: number) => round(t - o.origin, 1);
    report.ordering = {
      keys: o.orderingKeys,
      ...r,
      worstEarlyByMs: round(r.worstEarlyByMs, 1),
      examples: r.examples.map((v) => ({
        ...v,
        at: rel(v.at),
        overtookAt: rel(v.overtookAt),
        earlyByMs: round(v.earlyByMs, 1),
      })),
    };
    if (o.enforced) report.failures += orderViolations(r);
  }

  if (o.rateLimit) {
    const limit = o.rateLimit;
    const times = new Map<number, number[]>(limited.map((h) => [h, []]));
    for (const a of o.attempts) times.get(a.webhook)?.push(a.at);
    const webhooks = limited.map((h) => {
      const r = checkRate(times.get(h)!, limit, { slackMs: o.slackMs });
      return {
        webhook: h - o.firstHook,
        ...r,
        spanSeconds: round(r.spanSeconds, 2),
        attemptsPerSecond: round(r.attemptsPerSecond, 2),
        limitPerSecond: round(r.limitPerSecond, 3),
        windows: r.windows.map((w) => ({ ...w, worstStartMs: round(w.worstStartMs, 1) })),
      };
    });
    const rates = webhooks.map((w) => w.attemptsPerSecond);
    const violations = webhooks.reduce((a, w) => a + w.violations, 0);
    report.rateLimit = {
      limit: `${limit.max}/${limit.per}`,
      slackMs: o.slackMs,
      attemptsPerSecond: {
        min: Math.min(...rates),
        max: Math.max(...rates),
        limit: round((limit.max * 1000) / limit.perMs, 3),
      },
      violations,
      maxExcess: webhooks.reduce((a, w) => Math.max(a, w.maxExcess), 0),
      worstWindows: (webhooks[0]?.windows ?? []).map((_, i) => {
        const worst = webhooks.reduce((a, w) =>
          w.windows[i]!.maxCount - w.windows[i]!.allowed > a.windows[i]!.maxCount - a.windows[i]!.allowed
            ? w
            : a,
        );
        const w = worst.windows[i]!;
        return { windowMs: w.windowMs, allowed: w.allowed, maxCount: w.maxCount, webhook: worst.webhook };
      }),
      webhooks,
    };
    if (o.enforced) report.failures += violations;
  }

  if (o.unlimitedWebhooks > 0) {
    const ids = new Set(accepted.map((p) => p.id));
    const group = (hooks: number[]): GroupRate => {
      const set = new Set(hooks.map(String));
      const at: number[] = [];
      for (const [key, a] of o.delivered) {
        const [eventId, hook] = key.split(' ') as [string, string];
        if (ids.has(eventId) && set.has(hook)) at.push(a.at);
      }
      const seconds = (Math.max(...at) - o.origin) / 1000;
      return {
        webhooks: hooks.length,
        delivered: at.length,
        perSecond: at.length ? round(at.length / seconds) : 0,
      };
    };
    report.groups = { limited: group(limited), unlimited: group(unlimited) };
  }
  return report;
}

/** The lines the bench prints under a phase. */
export function controlLines(r: ControlsReport): string[] {
  const out: string[] = [];
  const note = (bad: number, what: string) =>
    r.enforced ? (bad ? `  ← ${what}` : '') : '  (plain webhooks: for reference, not a failure)';
  if (r.ordering) {
    const o = r.ordering;
    const bad = orderViolations(o);
    out.push(
      `    ordering     ${o.keys} keys, ${o.lanes} lanes, ${o.delivered}/${o.deliveries} deliveries checked, ${o.arrivals} attempts${o.unknownArrivals ? `, ${o.unknownArrivals} of unknown events` : ''}`,
      `    violations   ${bad}: first success out of post order ${o.violations.successOutOfOrder}, attempt before the previous delivery finished ${o.violations.attemptBeforePreviousFinished}${bad ? `; worst ${o.worstEarlyByMs} ms early` : ''}${note(bad, 'ORDER VIOLATIONS')}`,
    );
  }
  if (r.rateLimit) {
    const l = r.rateLimit;
    const windows = (ws: Array<{ windowMs: number; maxCount: number; allowed: number }>) =>
      ws.map((w) => `${w.windowMs / 1000} s ${w.maxCount}/${w.allowed}`).join(', ');
    out.push(
      `    rate limit   ${l.limit}: attempts/s per webhook ${l.attemptsPerSecond.min}–${l.attemptsPerSecond.max} against ${l.attemptsPerSecond.limit}`,
      `    windows      most attempts in a window / allowed N·((T + ${l.slackMs} ms)/per + 1): ${windows(l.worstWindows)}; ${l.violations} windows over, max excess ${l.maxExcess}${note(l.violations, 'RATE LIMIT EXCEEDED')}`,
    );
    // Each webhook on its own line when there are few (the JSON has them all).
    if (l.webhooks.length <= MAX_WEBHOOK_LINES)
      for (const w of l.webhooks)
        out.push(
          `      webhook ${w.webhook}: ${w.attempts} attempts in ${w.spanSeconds} s, ${w.attemptsPerSecond}/s; ${windows(w.windows)}`,
        );
  }
  if (r.groups) {
    const { limited, unlimited } = r.groups;
    out.push(
      `    by webhook   ${limited.webhooks} ${r.enforced ? 'limited' : 'plain (limited in the main run)'}: ${limited.delivered} delivered, ${limited.perSecond}/s; ${unlimited.webhooks} unlimited: ${unlimited.delivered} delivered, ${unlimited.perSecond}/s`,
    );
  }
  return out;
}
