// Group commit for hot single-row statements: concurrent callers' rows go to the database as one
// statement. PGlite runs every statement on one connection on the main thread (≈ 0.85 ms of CPU
// each, BENCHMARKS.md), so dozens of attempts in flight queue behind each other there anyway; one
// statement for all of them costs little more than one for each.
import DataLoader from 'dataloader';

/** Runs a batch as one statement: one value (or an Error for that key alone) per key, in order. */
export type RunMany<K, V> = (keys: readonly K[]) => Promise<ReadonlyArray<V | Error>>;

export interface BatchLoaderOptions {
  /** Keys per statement at most (default 64): bounds a statement's size and its bound values. */
  maxBatchSize?: number;
  /** For DataLoader's `name` (APM tools). */
  name?: string;
}

export const DEFAULT_MAX_BATCH_SIZE = 64;

function asError(err: unknown): Error {
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * `load(key)` runs `runMany` for this key together with every other key loaded meanwhile.
 *
 * Scheduling: no latency added when idle. A batch is dispatched on the next turn of the event loop
 * (setImmediate, so that every caller woken by the same I/O joins it) when no batch of this loader
 * is running, and otherwise as soon as the running one finishes: under load, batches grow to what
 * arrived during one statement, up to `maxBatchSize`. One batch runs at a time per loader.
 *
 * Nothing is cached (`cache: false`): each load reads or writes afresh.
 *
 * When the batched statement fails as a whole (one bad row aborts it), each key runs again on its
 * own, so that only the callers whose own rows fail see an error.
 */
export function createBatchLoader<K, V>(
  runMany: RunMany<K, V>,
  opts: BatchLoaderOptions = {},
): (key: K) => Promise<V> {
  let busy = false; // a batch is running, or scheduled to run on the next turn
  const waiting: Array<() => void> = [];

  const schedule = (dispatch: () => void): void => {
    if (busy) {
      waiting.push(dispatch);
      return;
    }
    busy = true;
    setImmediate(dispatch);
  };

  const next = (): void => {
    const dispatch = waiting.shift();
    if (dispatch) dispatch();
    else busy = false;
  };

  const runEach = (keys: readonly K[]): Promise<Array<V | Error>> =>
    Promise.all(
      keys.map((key) =>
        runMany([key]).then(
          (values) => values[0] as V | Error,
          (err: unknown) => asError(err),
        ),
      ),
    );

  const batch = async (keys: readonly K[]): Promise<ReadonlyArray<V | Error>> => {
    try {
      try {
        return await runMany(keys);
      } catch (err) {
        if (keys.length === 1) return [asError(err)];
        return await runEach(keys);
      }
    } finally {
      next();
    }
  };

  const loader = new DataLoader<K, V>(batch, {
    cache: false,
    maxBatchSize: opts.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    batchScheduleFn: schedule,
    name: opts.name ?? null,
  });
  return (key) => loader.load(key);
}
