import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import type { Logger } from '../logger';

async function retry<T>(what: string, fn: () => Promise<T>, timeoutMs: number, logger?: Logger): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let delay = 200;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (err) {
      if (Date.now() + delay > deadline) {
        throw new Error(
          `could not reach Temporal (${what}) within ${timeoutMs / 1000} s: ${(err as Error).message}`,
        );
      }
      if (attempt === 3) logger?.info({ what }, 'waiting for Temporal to answer');
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 2000);
    }
  }
}

/** A client connection that has answered a real call, so callers know Temporal is serving. */
export async function connectClient(address: string, namespace: string, logger?: Logger, timeoutMs = 60_000) {
  const connection = await retry(
    address,
    async () => {
      const c = await Connection.connect({ address, connectTimeout: 2000 });
      try {
        await c.withDeadline(Date.now() + 3000, () => c.workflowService.getSystemInfo({}));
        return c;
      } catch (err) {
        await c.close();
        throw err;
      }
    },
    timeoutMs,
    logger,
  );
  return { connection, client: new Client({ connection, namespace }) };
}

export async function connectWorker(
  address: string,
  logger?: Logger,
  timeoutMs = 60_000,
): Promise<NativeConnection> {
  return retry(address, () => NativeConnection.connect({ address }), timeoutMs, logger);
}
