// The stack the delivery API tests run on: a time-skipping Temporal server, a test database, a
// worker on the shared task queue, a loopback receiver and the app, all sharing one SecretBox.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { TASK_QUEUE } from '../../src/constants';
import { SecretBox } from '../../src/secrets';
import { startTestApp, type TestApp } from './app';
import { createTestDb, type DbKind, type TestDb } from './db';
import { Receiver, type Responder } from './receiver';
import { timeSkippingEnv } from './temporal';
import { createTestWorker, type TestWorker } from './worker';

export interface DeliveryStack {
  env: TestWorkflowEnvironment;
  tdb: TestDb;
  receiver: Receiver;
  worker: TestWorker;
  app: TestApp;
  /** Stops what was started, the app first; safe after a start that failed half-way. */
  close(): Promise<void>;
}

export async function startDeliveryStack(
  kind: DbKind,
  opts: { secret: string; respond?: Responder },
): Promise<DeliveryStack> {
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop();
  };
  try {
    const env = await timeSkippingEnv();
    stops.push(() => env.teardown());
    const tdb = await createTestDb(kind);
    stops.push(() => tdb.destroy());
    const receiver = await Receiver.start(opts.respond);
    stops.push(() => receiver.close());
    const secrets = new SecretBox(opts.secret);
    const worker = await createTestWorker(env, tdb.db, { taskQueue: TASK_QUEUE, secrets });
    stops.push(await worker.start());
    // The test server's clock, as the worker's attempts have it: a rotation's expiry and the
    // attempts that honour it are on one clock.
    const app = await startTestApp({
      db: tdb.db,
      temporal: env.client,
      searchAttributes: false,
      secrets,
      clock: async () => new Date(await env.currentTimeMs()),
    });
    stops.push(() => app.close());
    return { env, tdb, receiver, worker, app, close };
  } catch (err) {
    await close();
    throw err;
  }
}
