/**
 * Order violations of per-key lanes, from what the bench posted and what its receiver saw.
 *
 * A lane is (webhook, ordering key); its events are ordered by when their 202 came (the bench posts
 * a key's next event only after the previous one's answer, so that is also the posting order).
 * Two rules, each checked for every lane:
 * 1. `successOutOfOrder`: the first successful arrival of each event comes after the first
 *    successful arrival of every earlier event of the lane;
 * 2. `attemptBeforePreviousFinished`: no arrival of event k+1 (any attempt, successful or not)
 *    comes before every earlier event finished. An earlier event finished at its first successful
 *    arrival; one that never succeeded finished no earlier than its last arrival (a failed-for-good
 *    delivery), and one that never arrived constrains nothing (it is counted as undelivered).
 * Receiver times only: Switchyard starts k+1 after it has k's answer, which the receiver sends after
 * recording k's arrival, so a correct lane has strictly later arrivals and no slack is needed.
 */

/** One event as the bench posted it. */
export interface PostedEvent {
  /** Switchyard's message id from the 202 body: the `webhook-id` of every request for the event. */
  messageId: string;
  key: string;
  /** When its 202 (or 200) answer came (performance.now()). */
  acceptedAt: number;
}

/** One request as the receiver saw it. */
export interface AttemptArrival {
  /** performance.now() when the request had arrived. */
  at: number;
  /** The webhook's number (its target path /h/<n>). */
  webhook: number;
  /** `webhook-id`. */
  messageId: string;
  /** `x-switchyard-delivery`. */
  deliveryId: string;
  /** `x-switchyard-attempt`. */
  attempt: number;
  /** Whether it was answered 2xx (a delivery). */
  ok: boolean;
}

export type OrderRule = 'successOutOfOrder' | 'attemptBeforePreviousFinished';

export interface OrderViolation {
  rule: OrderRule;
  webhook: number;
  key: string;
  /** The event that came too early, its attempt and arrival. */
  messageId: string;
  attempt: number;
  at: number;
  /** The earlier event (in post order) it overtook, and that one's success (or last arrival). */
  overtook: string;
  overtookAt: number;
  /** overtookAt − at, ms. */
  earlyByMs: number;
}

export interface OrderReport {
  webhooks: number;
  /** Lanes (webhook, key) with at least one posted event. */
  lanes: number;
  /** Posted events with an ordering key, and their deliveries (events × webhooks). */
  events: number;
  deliveries: number;
  /** Deliveries with a successful arrival: the ones rule 1 checks. */
  delivered: number;
  /** Deliveries with no successful arrival. */
  undelivered: number;
  /** Arrivals checked (every attempt to the checked webhooks of a posted event). */
  arrivals: number;
  /** Arrivals to the checked webhooks whose `webhook-id` is not a posted event's. */
  unknownArrivals: number;
  violations: Record<OrderRule, number>;
  /** The largest earlyByMs among the violations (0 when there are none). */
  worstEarlyByMs: number;
  /** The first violations by arrival time. */
  examples: OrderViolation[];
}

interface Mark {
  messageId: string;
  at: number;
}

/** Checks the two rules for every lane of `webhooks`; arrivals to other webhooks are ignored. */
export function checkOrdering(
  posted: readonly PostedEvent[],
  arrivals: readonly AttemptArrival[],
  webhooks: readonly number[],
  maxExamples = 20,
): OrderReport {
  // Lanes' event order: by 202 time, ties in the order given.
  const byKey = new Map<string, PostedEvent[]>();
  for (const p of posted) {
    const lane = byKey.get(p.key) ?? [];
    lane.push(p);
    byKey.set(p.key, lane);
  }
  for (const lane of byKey.values()) lane.sort((a, b) => a.acceptedAt - b.acceptedAt);
  const known = new Set(posted.map((p) => p.messageId));

  const checked = new Set(webhooks);
  const seen = new Map<string, AttemptArrival[]>(); // `<webhook> <message id>` → arrivals by time
  let unknownArrivals = 0;
  let arrivalCount = 0;
  for (const a of arrivals) {
    if (!checked.has(a.webhook)) continue;
    if (!known.has(a.messageId)) {
      unknownArrivals++;
      continue;
    }
    arrivalCount++;
    const k = `${a.webhook} ${a.messageId}`;
    const list = seen.get(k) ?? [];
    list.push(a);
    seen.set(k, list);
  }
  for (const list of seen.values()) list.sort((a, b) => a.at - b.at);

  const violations: OrderViolation[] = [];
  const flag = (rule: OrderRule, webhook: number, key: string, a: AttemptArrival, prior: Mark) =>
    violations.push({
      rule,
      webhook,
      key,
      messageId: a.messageId,
      attempt: a.attempt,
      at: a.at,
      overtook: prior.messageId,
      overtookAt: prior.at,
      earlyByMs: prior.at - a.at,
    });
  let delivered = 0;
  let undelivered = 0;
  for (const webhook of checked) {
    for (const [key, lane] of byKey) {
      let lastSuccess: Mark | undefined; // the latest first-success among the earlier events
      let finished: Mark | undefined; // the latest finish among the earlier events
      for (const event of lane) {
        const list = seen.get(`${webhook} ${event.messageId}`) ?? [];
        const success = list.find((a) => a.ok);
        if (success) delivered++;
        else undelivered++;
        if (success && lastSuccess && success.at < lastSuccess.at)
          flag('successOutOfOrder', webhook, key, success, lastSuccess);
        for (const a of list)
          if (finished && a.at < finished.at)
            flag('attemptBeforePreviousFinished', webhook, key, a, finished);
        if (success && (!lastSuccess || success.at > lastSuccess.at))
          lastSuccess = { messageId: event.messageId, at: success.at };
        const end = success ?? list[list.length - 1];
        if (end && (!finished || end.at > finished.at)) finished = { messageId: event.messageId, at: end.at };
      }
    }
  }

  violations.sort((a, b) => a.at - b.at);
  const count = (rule: OrderRule) => violations.filter((v) => v.rule === rule).length;
  return {
    webhooks: checked.size,
    lanes: checked.size * byKey.size,
    events: posted.length,
    deliveries: checked.size * posted.length,
    delivered,
    undelivered,
    arrivals: arrivalCount,
    unknownArrivals,
    violations: {
      successOutOfOrder: count('successOutOfOrder'),
      attemptBeforePreviousFinished: count('attemptBeforePreviousFinished'),
    },
    worstEarlyByMs: violations.reduce((m, v) => Math.max(m, v.earlyByMs), 0),
    examples: violations.slice(0, maxExamples),
  };
}

/** Total violations of both rules. */
export const orderViolations = (r: OrderReport): number =>
  r.violations.successOutOfOrder + r.violations.attemptBeforePreviousFinished;
