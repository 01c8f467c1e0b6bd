import { inspect } from 'node:util';

export interface WaitUntilOptions {
  /** Real time to keep polling before failing (default 20 s). */
  timeoutMs?: number;
  /** Real time between two probes (default 50 ms). */
  intervalMs?: number;
}

type Truthy<T> = Exclude<T, false | 0 | '' | null | undefined>;

/**
 * Polls `probe` in real time until `done` accepts its value (without `done`: until the value is
 * truthy), and returns that value. Fails after `timeoutMs` with an error naming `what` was awaited
 * and the last value the probe returned. An error thrown by the probe fails the wait at once.
 *
 * For waiting on something that must happen; never for proving that something did not (wait for
 * the positive event that must come first instead: a run's completion, its status query).
 *
 * bench/lib/net.ts keeps a waitUntil of its own: the bench reports a stall or a timeout as an
 * outcome of the run, where a test fails.
 */
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  opts?: WaitUntilOptions,
): Promise<Truthy<T>>;
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  done: (value: T) => boolean,
  opts?: WaitUntilOptions,
): Promise<T>;
export async function waitUntil<T>(
  what: string,
  probe: () => T | Promise<T>,
  doneOrOpts?: ((value: T) => boolean) | WaitUntilOptions,
  maybeOpts?: WaitUntilOptions,
): Promise<T> {
  const done = typeof doneOrOpts === 'function' ? doneOrOpts : (v: T) => Boolean(v);
  const { timeoutMs = 20_000, intervalMs = 50 } =
    (typeof doneOrOpts === 'function' ? maybeOpts : doneOrOpts) ?? {};
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (done(value)) return value;
    if (Date.now() > deadline) {
      throw new Error(
        `timed out after ${timeoutMs} ms waiting until ${what}; last value: ${inspect(value, { depth: 4 })}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
