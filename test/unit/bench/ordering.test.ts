import { describe, expect, it } from 'vitest';
import {
  checkOrdering,
  orderViolations,
  type AttemptArrival,
  type OrderRule,
  type PostedEvent,
} from '../../../bench/lib/ordering';

// Events m1, m2, m3 of key A accepted at 1, 2, 3 (and n1, n2 of key B at 1.5, 2.5).
const posted: PostedEvent[] = [
  { messageId: 'm1', key: 'A', acceptedAt: 1 },
  { messageId: 'n1', key: 'B', acceptedAt: 1.5 },
  { messageId: 'm2', key: 'A', acceptedAt: 2 },
  { messageId: 'n2', key: 'B', acceptedAt: 2.5 },
  { messageId: 'm3', key: 'A', acceptedAt: 3 },
];

/** `m2@30` is a success of m2 at 30 ms on webhook 0; `m2@30!` a failed attempt; `1:m2@30` webhook 1. */
function arrivals(...specs: string[]): AttemptArrival[] {
  const attempts = new Map<string, number>();
  return specs.map((s) => {
    const m = /^(?:(\d+):)?(\w+)@(\d+)(!?)$/.exec(s);
    if (!m) throw new Error(`bad spec ${s}`);
    const webhook = Number(m[1] ?? 0);
    const messageId = m[2]!;
    const attempt = (attempts.get(`${webhook} ${messageId}`) ?? 0) + 1;
    attempts.set(`${webhook} ${messageId}`, attempt);
    return {
      webhook,
      messageId,
      at: Number(m[3]),
      ok: m[4] !== '!',
      attempt,
      deliveryId: `dlv_${messageId}`,
    };
  });
}

type Row = {
  name: string;
  arrivals: string[];
  webhooks?: number[];
  expect: Partial<Record<OrderRule, number>>;
  /** [rule, message id, overtook] of the first example. */
  first?: [OrderRule, string, string];
};

const table: Row[] = [
  {
    name: 'in order, keys interleaved: clean',
    arrivals: ['m1@10', 'n1@11', 'm2@20', 'n2@21', 'm3@30'],
    expect: {},
  },
  {
    name: 'a retried event holds its lane: clean',
    arrivals: ['m1@10!', 'n1@11', 'n2@12', 'm1@1010', 'm2@1020', 'm3@1030'],
    expect: {},
  },
  {
    name: 'the other key overtaking is not a violation',
    arrivals: ['n1@5', 'n2@6', 'm1@10', 'm2@20', 'm3@30'],
    expect: {},
  },
  {
    name: 'arrival order decides, not the order the receiver logged them',
    arrivals: ['m3@30', 'm2@20', 'm1@10'],
    expect: {},
  },
  {
    name: 'successes swapped: both rules flag m2',
    arrivals: ['m2@10', 'm1@20', 'm3@30'],
    expect: { successOutOfOrder: 1, attemptBeforePreviousFinished: 1 },
    first: ['successOutOfOrder', 'm2', 'm1'],
  },
  {
    name: 'a failed attempt of m2 while m1 is still retrying (successes in order)',
    arrivals: ['m1@10!', 'm2@15!', 'm1@1010', 'm2@1020', 'm3@1030'],
    expect: { attemptBeforePreviousFinished: 1 },
    first: ['attemptBeforePreviousFinished', 'm2', 'm1'],
  },
  {
    name: 'm3 overtakes two events: flagged against the latest finish',
    arrivals: ['m3@5', 'm1@10', 'm2@20'],
    expect: { successOutOfOrder: 1, attemptBeforePreviousFinished: 1 },
    first: ['successOutOfOrder', 'm3', 'm2'],
  },
  {
    name: 'a failed-for-good m1 still holds m2 until its last attempt',
    arrivals: ['m1@10!', 'm2@500', 'm1@1010!', 'm3@1100'],
    expect: { attemptBeforePreviousFinished: 1 },
    first: ['attemptBeforePreviousFinished', 'm2', 'm1'],
  },
  {
    name: 'a failed-for-good m1 releases m2 after its last attempt',
    arrivals: ['m1@10!', 'm1@1010!', 'm2@1100', 'm3@1200'],
    expect: {},
  },
  {
    name: 'a late duplicate success of m1 is not an attempt of a later event',
    arrivals: ['m1@10', 'm2@20', 'm1@25', 'm3@30'],
    expect: {},
  },
  {
    name: 'each webhook is its own lane',
    arrivals: ['0:m1@10', '0:m2@20', '1:m2@5', '1:m1@15', '0:m3@30', '1:m3@30'],
    webhooks: [0, 1],
    expect: { successOutOfOrder: 1, attemptBeforePreviousFinished: 1 },
    first: ['successOutOfOrder', 'm2', 'm1'],
  },
  {
    name: 'webhooks not asked about are ignored',
    arrivals: ['m1@10', 'm2@20', 'm3@30', '7:m3@1', '7:m1@2'],
    expect: {},
  },
];

describe('checkOrdering', () => {
  it.each(table)('$name', (row) => {
    const r = checkOrdering(posted, arrivals(...row.arrivals), row.webhooks ?? [0]);
    expect(r.violations).toEqual({
      successOutOfOrder: row.expect.successOutOfOrder ?? 0,
      attemptBeforePreviousFinished: row.expect.attemptBeforePreviousFinished ?? 0,
    });
    expect(orderViolations(r)).toBe(r.examples.length);
    if (row.first) {
      const [rule, messageId, overtook] = row.first;
      expect(r.examples[0]).toMatchObject({ rule, messageId, overtook });
      expect(r.examples[0]!.earlyByMs).toBeGreaterThan(0);
    } else expect(r.worstEarlyByMs).toBe(0);
  });

  it('counts lanes, deliveries, undelivered and unknown arrivals', () => {
    const r = checkOrdering(posted, arrivals('m1@10', 'm2@20!', 'zz@21', 'n1@22', '3:m1@1'), [0, 1]);
    expect(r).toMatchObject({
      webhooks: 2,
      lanes: 4,
      events: 5,
      deliveries: 10,
      delivered: 2,
      undelivered: 8,
      arrivals: 3,
      unknownArrivals: 1,
      worstEarlyByMs: 0,
    });
  });

  it('orders a lane by 202 time, not by the order the posts were listed', () => {
    const shuffled = [posted[4]!, posted[2]!, posted[0]!];
    expect(orderViolations(checkOrdering(shuffled, arrivals('m1@10', 'm2@20', 'm3@30'), [0]))).toBe(0);
    const r = checkOrdering(shuffled, arrivals('m1@10', 'm3@20', 'm2@30'), [0]);
    expect(r.violations.successOutOfOrder).toBe(1);
    // m3 (accepted last) arrived at 20, before m2 (accepted second) had arrived at 30.
    expect(r.examples[0]).toMatchObject({ messageId: 'm3', overtook: 'm2', earlyByMs: 10 });
  });

  it('keeps at most maxExamples examples, earliest first, but counts them all', () => {
    // m2 and m3 each break both rules.
    const r = checkOrdering(posted, arrivals('m3@1', 'm2@2', 'm1@3'), [0], 1);
    expect(orderViolations(r)).toBe(4);
    expect(r.examples).toHaveLength(1);
    expect(r.examples[0]!.at).toBe(1);
  });
});
