import { describe, expect, it } from 'vitest';
import {
  fullBucket,
  takeToken,
  type BucketState,
  type RateLimitRule,
  type TakeDecision,
  type TakeRequest,
} from '../../src/rules/tokenBucket';
import { rateBoundBreach } from '../support/rateWindow';

const S = 1_000;
const two: RateLimitRule = { max: 2, perMs: S }; // a token every 500 ms
const T0 = 1_700_000_000_000;
const NEW: TakeRequest = { kind: 'new' };
const at = (slot: number): TakeRequest => ({ kind: 'waiter', slot });

/** A bucket with times relative to T0 (tail null: none). */
const b = (tokens: number, atMs: number, tail: number | null): BucketState => ({
  tokens,
  at: T0 + atMs,
  tail: tail === null ? null : T0 + tail,
});
const ok = (state: BucketState): TakeDecision => ({ granted: true, state });
const wait = (slot: number, waitMs: number, state: BucketState): TakeDecision => ({
  granted: false,
  slot: T0 + slot,
  waitMs,
  state,
});

describe('takeToken: one request', () => {
  // [name, stored bucket, now (relative to T0), request, decision]
  it.each<[string, BucketState | null, number, TakeRequest, TakeDecision]>([
    ['a first request finds a full bucket', null, 0, NEW, ok(b(1, 0, null))],
    ['an empty bucket gives the slot of its next token', b(0, 0, null), 0, NEW, wait(500, 500, b(0, 0, 500))],
    [
      'part refilled: the slot is when it reaches one',
      b(0, 0, null),
      200,
      NEW,
      wait(500, 300, b(0.4, 200, 500)),
    ],
    ['refill is capped at max', b(0, 0, null), 60 * S, NEW, ok(b(1, 60 * S, null))],
    [
      'a newcomer queues behind the slots given out',
      b(1.5, 0, 700),
      0,
      NEW,
      wait(1200, 1200, b(1.5, 0, 1200)),
    ],
    ['a waiter back at its slot gets the token', b(0, 0, 1000), 500, at(T0 + 500), ok(b(0, 500, 1000))],
    ['a waiter back late gets the token too', b(0, 0, 1000), 900, at(T0 + 500), ok(b(0.8, 900, 1000))],
    [
      'a waiter robbed of its token goes behind the tail',
      b(0.2, 600, 1000),
      600,
      at(T0 + 500),
      wait(1500, 900, b(0.2, 600, 1500)),
    ],
    [
      'once the tail has passed, a newcomer needs only a token',
      b(1, 2000, 1500),
      2000,
      NEW,
      ok(b(0, 2000, 1500)),
    ],
    [
      'a clock that went back refills nothing',
      b(0.5, 1000, null),
      0,
      NEW,
      wait(1250, 1250, b(0.5, 1000, 1250)),
    ],
    ['tokens above a lowered max are cut to it', b(100, 0, null), 0, NEW, ok(b(1, 0, null))],
  ])('%s', (_name, prev, now, request, expected) => {
    expect(takeToken(prev, two, T0 + now, request)).toEqual(expected);
  });

  it('a waiter back before its slot keeps it, and the bucket is left as it was (no write)', () => {
    const prev = { tokens: 2, at: T0, tail: T0 + 1500 };
    const d = takeToken(prev, two, T0 + 100, at(T0 + 1000));
    expect(d).toEqual({ granted: false, slot: T0 + 1000, waitMs: 900, state: prev });
    expect(d.state).toBe(prev);
  });

  it.each<[string, BucketState | null]>([
    ['no bucket (deleted by a reset)', null],
    ['a bucket reset since, with an earlier tail', { tokens: 2, at: T0, tail: T0 + 10 }],
  ])('a waiter whose slot the bucket does not know starts over as new: %s', (_name, prev) => {
    expect(takeToken(prev, two, T0 + 100, at(T0 + 3600 * S))).toMatchObject({ granted: true });
  });

  it('denied newcomers get distinct slots spaced per/max apart (no herd)', () => {
    let state: BucketState | null = null;
    const slots: number[] = [];
    for (let i = 0; i < 7; i++) {
      const d = takeToken(state, { max: 3, perMs: 900 }, T0, NEW);
      state = d.state;
      if (!d.granted) slots.push(d.slot - T0);
    }
    expect(slots).toEqual([300, 600, 900, 1200]);
  });

  it('fullBucket holds max tokens', () => {
    expect(fullBucket(two, T0)).toEqual({ tokens: 2, at: T0, tail: null });
  });
});

/** mulberry32: a small seeded generator, so a failing pattern can be replayed. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Simulation {
  grants: number[];
  /** Per request: when it first asked, when it was granted. */
  requests: Array<{ arrived: number; granted: number | null }>;
}

/**
 * Requests arrive at random times; a denied one comes back at its slot, plus random lateness (a
 * slow or crashed worker), or early now and then (a capped sleep, a wake-up). Events are handled in
 * time order, as the row lock serialises them.
 */
function simulate(seed: number, limit: RateLimitRule, opts: { lateMs: number; earlyChance: number }) {
  const random = rng(seed);
  const count = 20 + Math.floor(random() * 80);
  const spread = random() * 4 * limit.perMs; // bursts (small spread) to trickles
  type Ask = { time: number; id: number; request: TakeRequest };
  const queue: Ask[] = [];
  const sim: Simulation = { grants: [], requests: [] };
  for (let id = 0; id < count; id++) {
    const arrived = T0 + Math.floor(random() * spread);
    sim.requests.push({ arrived, granted: null });
    queue.push({ time: arrived, id, request: NEW });
  }
  let state: BucketState | null = null;
  for (let steps = 0; queue.length > 0; steps++) {
    if (steps > 100_000) throw new Error('the simulation does not end');
    queue.sort((a, b) => a.time - b.time || a.id - b.id);
    const ask = queue.shift() as Ask;
    const d = takeToken(state, limit, ask.time, ask.request);
    state = d.state;
    if (d.granted) {
      sim.grants.push(ask.time);
      (sim.requests[ask.id] as { granted: number | null }).granted = ask.time;
      continue;
    }
    const early = random() < opts.earlyChance && d.waitMs > 1;
    const back = early
      ? ask.time + Math.floor(random() * d.waitMs)
      : d.slot + Math.floor(random() * opts.lateMs);
    queue.push({ time: back, id: ask.id, request: { kind: 'waiter', slot: d.slot } });
  }
  return sim;
}

describe('takeToken: random arrival patterns', () => {
  const limits: RateLimitRule[] = [
    { max: 1, perMs: S },
    { max: 2, perMs: S },
    { max: 5, perMs: 3 * S },
    { max: 10, perMs: 60 * S },
  ];
  const patterns = [
    { name: 'punctual waiters', lateMs: 1, earlyChance: 0 },
    { name: 'late waiters (slow or crashed workers)', lateMs: 5 * S, earlyChance: 0 },
    { name: 'waiters back early now and then', lateMs: 50, earlyChance: 0.3 },
  ];

  it.each(patterns)('$name: grants never exceed max·(T/per + 1), and every request is granted', (p) => {
    for (const limit of limits) {
      for (let seed = 1; seed <= 40; seed++) {
        const sim = simulate(seed * 7919, limit, p);
        expect(
          rateBoundBreach(sim.grants, limit),
          `seed ${seed * 7919}, ${JSON.stringify(limit)}`,
        ).toBeNull();
        expect(sim.requests.every((r) => r.granted !== null)).toBe(true);
      }
    }
  });

  it('with punctual waiters nobody is overtaken: grants follow the order of first asking', () => {
    for (const limit of limits) {
      for (let seed = 1; seed <= 40; seed++) {
        const sim = simulate(seed, limit, { lateMs: 1, earlyChance: 0 });
        const byArrival = [...sim.requests].sort((a, b) => a.arrived - b.arrived);
        const granted = byArrival.map((r) => r.granted as number);
        // Same-millisecond arrivals may swap; otherwise a later asker is never granted first.
        for (let i = 1; i < granted.length; i++) {
          if (
            (byArrival[i] as { arrived: number }).arrived > (byArrival[i - 1] as { arrived: number }).arrived
          )
            expect(granted[i], `seed ${seed}`).toBeGreaterThanOrEqual(granted[i - 1] as number);
        }
        // And each waits no longer than the tokens owed to those ahead of it (plus one gap of rounding).
        const gap = limit.perMs / limit.max;
        byArrival.forEach((r, i) => {
          expect((r.granted as number) - r.arrived).toBeLessThanOrEqual(
            Math.max(0, i + 1 - limit.max) * gap + 2,
          );
        });
      }
    }
  });

  it('a steady stream of newcomers cannot starve a waiter', () => {
    const limit: RateLimitRule = { max: 1, perMs: S };
    let state: BucketState | null = takeToken(null, limit, T0, NEW).state; // the one token is gone
    const first = takeToken(state, limit, T0 + 1, NEW);
    state = first.state;
    expect(first.granted).toBe(false);
    // Newcomers every 100 ms until the waiter's slot: none is granted ahead of it.
    for (let t = T0 + 100; t < T0 + S; t += 100) {
      const d = takeToken(state, limit, t, NEW);
      expect(d.granted).toBe(false);
      state = d.state;
    }
    if (first.granted) throw new Error('unreachable');
    expect(takeToken(state, limit, first.slot, at(first.slot)).granted).toBe(true);
  });
});
