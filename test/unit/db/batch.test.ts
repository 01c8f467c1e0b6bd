import { describe, expect, it } from 'vitest';
import { createBatchLoader } from '../../../src/db/batch';

/** A promise and the functions that settle it. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A fake statement that records each batch it was given and answers key × 10. */
function recorder(
  opts: { gate?: () => Promise<void>; failWhen?: (keys: readonly number[]) => boolean } = {},
) {
  const batches: number[][] = [];
  let running = 0;
  let maxRunning = 0;
  const runMany = async (keys: readonly number[]): Promise<Array<number | Error>> => {
    batches.push([...keys]);
    running += 1;
    maxRunning = Math.max(maxRunning, running);
    try {
      if (opts.gate) await opts.gate();
      if (opts.failWhen?.(keys)) throw new Error(`statement failed for ${keys.join(',')}`);
      return keys.map((k) => (k < 0 ? new Error(`no row ${k}`) : k * 10));
    } finally {
      running -= 1;
    }
  };
  return { runMany, batches, maxRunning: () => maxRunning };
}

describe('createBatchLoader', () => {
  it('dispatches a lone call on the next turn, without waiting for company', async () => {
    const r = recorder();
    const load = createBatchLoader(r.runMany);
    const result = load(7);
    expect(r.batches).toEqual([]); // not synchronously: callers of the same turn may join
    await turn();
    expect(r.batches).toEqual([[7]]);
    await expect(result).resolves.toBe(70);
  });

  it('gathers calls of the same turn into one batch, and answers each caller its own value', async () => {
    const r = recorder();
    const load = createBatchLoader(r.runMany);
    const results = await Promise.all([1, 2, 3, 4].map((k) => load(k)));
    expect(results).toEqual([10, 20, 30, 40]);
    expect(r.batches).toEqual([[1, 2, 3, 4]]);
  });

  it('while a batch runs, gathers the calls that arrive into the next one, dispatched when it ends', async () => {
    const gates = [deferred<void>(), deferred<void>()];
    let n = 0;
    const r = recorder({ gate: () => (gates[n++] ?? { promise: Promise.resolve() }).promise });
    const load = createBatchLoader(r.runMany);
    const first = load(1);
    await turn();
    expect(r.batches).toEqual([[1]]);

    const later = [2, 3, 4].map((k) => load(k));
    await turn();
    await turn();
    expect(r.batches).toEqual([[1]]); // still waiting for the running batch
    const more = load(5); // arrives later, still joins the waiting batch
    gates[0]!.resolve();
    await expect(first).resolves.toBe(10);
    await turn();
    expect(r.batches).toEqual([[1], [2, 3, 4, 5]]);
    gates[1]!.resolve();
    await expect(Promise.all([...later, more])).resolves.toEqual([20, 30, 40, 50]);
    expect(r.maxRunning()).toBe(1);

    // Idle again: the next call goes on the next turn.
    const lone = load(6);
    await turn();
    expect(r.batches.at(-1)).toEqual([6]);
    await expect(lone).resolves.toBe(60);
  });

  it('rejects only the caller whose key has no value', async () => {
    const r = recorder();
    const load = createBatchLoader(r.runMany);
    const results = await Promise.allSettled([1, -2, 3].map((k) => load(k)));
    expect(results.map((x) => x.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect((results[1] as PromiseRejectedResult).reason.message).toBe('no row -2');
    expect(r.batches).toEqual([[1, -2, 3]]);
  });

  it('when the batched statement fails as a whole, runs each key on its own', async () => {
    // 13 spoils any statement it is in, as a row that violates a constraint would.
    const r = recorder({ failWhen: (keys) => keys.includes(13) });
    const load = createBatchLoader(r.runMany);
    const results = await Promise.allSettled([1, 13, 3].map((k) => load(k)));
    expect(results.map((x) => (x.status === 'fulfilled' ? x.value : x.reason.message))).toEqual([
      10,
      'statement failed for 13',
      30,
    ]);
    expect(r.batches).toEqual([[1, 13, 3], [1], [13], [3]]);
  });

  it('a lone key whose statement fails is not run twice', async () => {
    const r = recorder({ failWhen: () => true });
    const load = createBatchLoader(r.runMany);
    await expect(load(1)).rejects.toThrow('statement failed for 1');
    expect(r.batches).toEqual([[1]]);
  });

  it('keeps going after a failed batch', async () => {
    let fail = true;
    const r = recorder({ failWhen: () => fail });
    const load = createBatchLoader(r.runMany);
    await expect(load(1)).rejects.toThrow();
    fail = false;
    await expect(Promise.all([load(2), load(3)])).resolves.toEqual([20, 30]);
  });

  it('respects the maximum batch size, one batch at a time', async () => {
    const r = recorder({ gate: turn });
    const load = createBatchLoader(r.runMany, { maxBatchSize: 4 });
    const keys = Array.from({ length: 10 }, (_, i) => i);
    await expect(Promise.all(keys.map((k) => load(k)))).resolves.toEqual(keys.map((k) => k * 10));
    expect(r.batches).toEqual([
      [0, 1, 2, 3],
      [4, 5, 6, 7],
      [8, 9],
    ]);
    expect(r.maxRunning()).toBe(1);
  });

  it('defaults to batches of 64', async () => {
    const r = recorder();
    const load = createBatchLoader(r.runMany);
    await Promise.all(Array.from({ length: 100 }, (_, i) => load(i)));
    expect(r.batches.map((b) => b.length)).toEqual([64, 36]);
  });

  it('does not cache: the same key loaded again is read again', async () => {
    const r = recorder();
    const load = createBatchLoader(r.runMany);
    await load(1);
    await load(1);
    await Promise.all([load(2), load(2)]);
    expect(r.batches).toEqual([[1], [1], [2, 2]]);
  });
});
