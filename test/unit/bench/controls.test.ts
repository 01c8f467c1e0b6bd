import { describe, expect, it } from 'vitest';
import type { PostResult } from '../../../bench/lib/api';
import { analyseControls, controlLines, type ControlsInput } from '../../../bench/lib/controls';
import type { AttemptArrival } from '../../../bench/lib/ordering';
import { parseRateLimit } from '../../../bench/lib/rateCheck';
import type { Arrival } from '../../../bench/lib/receiver';

// Webhook numbers from 100: 100 is the limited one, 101 the unlimited one. Events e1 and e3 share
// key-0; their POSTs start at 1000 (the origin) and are answered at 1001, 1002, 1003.
const post = (n: number, key: string): PostResult => ({
  id: `e${n}`,
  start: 1000,
  end: 1000 + n,
  status: 202,
  accepted: true,
  tries: 1,
  messageId: `m${n}`,
  orderingKey: key,
});
const posts = [post(1, 'key-0'), post(2, 'key-1'), post(3, 'key-0')];
const attempt = (webhook: number, n: number, at: number, ok = true): AttemptArrival => ({
  webhook,
  messageId: `m${n}`,
  deliveryId: `d${n}-${webhook}`,
  attempt: 1,
  at,
  ok,
});
// On 100, e3 arrives (and fails) before e1 is delivered: one early attempt. 101 is in order.
const attempts = [
  attempt(100, 3, 1005, false),
  attempt(100, 1, 1010),
  attempt(100, 2, 1020),
  attempt(100, 3, 1030),
  ...[1, 2, 3].map((n) => attempt(101, n, 1010 + n)),
];
const delivered = new Map<string, Arrival>(
  attempts.filter((a) => a.ok).map((a) => [`e${a.messageId.slice(1)} ${a.webhook}`, a]),
);
const input: ControlsInput = {
  posts,
  attempts,
  delivered,
  firstHook: 100,
  webhooks: 1,
  unlimitedWebhooks: 1,
  orderingKeys: 2,
  rateLimit: parseRateLimit('1/1s'),
  slackMs: 0,
  enforced: true,
  origin: 1000,
};

describe('analyseControls', () => {
  it('checks order on every webhook, the limit on the limited ones, and rates per group', () => {
    const r = analyseControls(input);
    expect(r.ordering).toMatchObject({
      keys: 2,
      webhooks: 2,
      lanes: 4,
      delivered: 6,
      violations: { successOutOfOrder: 0, attemptBeforePreviousFinished: 1 },
      worstEarlyByMs: 5,
    });
    // Times relative to the first POST.
    expect(r.ordering!.examples[0]).toMatchObject({ webhook: 100, messageId: 'm3', at: 5, overtookAt: 10 });
    // 4 attempts within 25 ms to the limited webhook. Over: the 1 s windows from the 1st (4) and
    // 2nd (3) attempt, 2 allowed; the 2 s window from the 1st, 3 allowed.
    expect(r.rateLimit).toMatchObject({ limit: '1/1s', violations: 3, maxExcess: 2 });
    expect(r.rateLimit!.webhooks.map((w) => [w.webhook, w.attempts])).toEqual([[0, 4]]);
    expect(r.rateLimit!.worstWindows[0]).toEqual({ windowMs: 1000, allowed: 2, maxCount: 4, webhook: 0 });
    expect(r.groups).toEqual({
      limited: { webhooks: 1, delivered: 3, perSecond: 100 },
      unlimited: { webhooks: 1, delivered: 3, perSecond: 230.8 },
    });
    expect(r.failures).toBe(1 + 3);
    const lines = controlLines(r).join('\n');
    expect(lines).toContain('← ORDER VIOLATIONS');
    expect(lines).toContain('← RATE LIMIT EXCEEDED');
    expect(lines).toContain('1 limited: 3 delivered, 100/s; 1 unlimited: 3 delivered, 230.8/s');
    expect(lines).toContain('webhook 0: 4 attempts in 0.03 s, 120/s; 1 s 4/2, 2 s 4/3, 5 s 4/6, 10 s 4/11');
  });

  it('counts nothing against a plain run, and says so', () => {
    const r = analyseControls({ ...input, enforced: false });
    expect(r.failures).toBe(0);
    expect(controlLines(r).filter((l) => l.includes('for reference, not a failure'))).toHaveLength(2);
  });

  it('runs only the checks asked for', () => {
    const r = analyseControls({ ...input, orderingKeys: 0, rateLimit: undefined, unlimitedWebhooks: 0 });
    expect(r).toEqual({ enforced: true, failures: 0 });
    expect(controlLines(r)).toEqual([]);
  });
});
