import { createServer } from 'node:net';

/** A TCP port on 127.0.0.1 that nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `done` every `everyMs` until it is true, `stalled` says progress stopped, or the deadline passes. */
export async function waitUntil(
  done: () => boolean,
  o: { deadlineMs: number; stallMs: number; progress: () => number; everyMs?: number },
): Promise<'done' | 'stalled' | 'timeout'> {
  const deadline = performance.now() + o.deadlineMs;
  let last = o.progress();
  let lastChange = performance.now();
  while (!done()) {
    if (performance.now() > deadline) return 'timeout';
    const p = o.progress();
    if (p !== last) {
      last = p;
      lastChange = performance.now();
    } else if (performance.now() - lastChange > o.stallMs) return 'stalled';
    await sleep(o.everyMs ?? 50);
  }
  return 'done';
}
