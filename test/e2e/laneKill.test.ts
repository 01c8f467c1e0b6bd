// Lanes survive kill -9: events of a few keys flow through a `per_key` webhook whose receiver is
// slow and fails some first attempts; the process running the worker is killed with SIGKILL
// mid-lane and started again. Nothing may be lost and no key's order broken. On PostgreSQL the
// worker runs alone (`start:worker` beside `start:api`); on PGlite the whole all-in-one process
// (`npm start`) is killed, as that is where its worker runs.
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';
import { runScript, type Proc } from '../support/process';
import { Receiver, type Received } from '../support/receiver';
import { startDevServer, type DevServer } from '../../src/temporal/devServer';
import { freePort } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { checkOrdering, type AttemptArrival, type PostedEvent } from '../../bench/lib/ordering';
import { json } from './http';

const KEYS = ['ORD-A', 'ORD-B', 'ORD-C', 'ORD-D'];
const PER_KEY = 6;

/** Each request's answer (Received does not carry it). */
const statusOf = new WeakMap<Received, number>();

/** Fails the first attempt of about a third of the events (by their message id), slowly. */
function flakyReceiver(): Promise<Receiver> {
  return Receiver.start(async (req, res) => {
    await new Promise((r) => setTimeout(r, 80));
    const digest = createHash('sha256').update(String(req.headers['webhook-id'])).digest();
    const fail = req.headers['x-switchyard-attempt'] === '1' && (digest[0] as number) % 3 === 0;
    statusOf.set(req, fail ? 500 : 200);
    res.writeHead(fail ? 500 : 200).end();
  });
}

/** The bench's order check (bench/lib/ordering.ts) over what the receiver saw: one webhook, number 0. */
function checkOrder(posted: Map<string, string[]>, requests: Received[]) {
  const events: PostedEvent[] = [...posted].flatMap(([key, ids]) =>
    ids.map((messageId, i) => ({ messageId, key, acceptedAt: i })),
  );
  const arrivals: AttemptArrival[] = requests.map((r) => ({
    at: r.at,
    webhook: 0,
    messageId: String(r.headers['webhook-id']),
    deliveryId: String(r.headers['x-switchyard-delivery']),
    attempt: Number(r.headers['x-switchyard-attempt']),
    ok: statusOf.get(r) === 200,
  }));
  return checkOrdering(events, arrivals, [0]);
}

/** Posts PER_KEY events per key: one after another within a key, the keys concurrently. */
async function postLanes(api: string, key: string): Promise<Map<string, string[]>> {
  const posted = new Map<string, string[]>();
  await Promise.all(
    KEYS.map(async (k) => {
      const ids: string[] = [];
      posted.set(k, ids);
      for (let i = 0; i < PER_KEY; i++) {
        const res = await json(`${api}/v1/events`, {
          method: 'POST',
          key,
          body: JSON.stringify({ type: 'order.created', ordering_key: k, payload: { k, i } }),
        });
        expect(res.status).toBe(202);
        ids.push(res.body.message_id as string);
      }
    }),
  );
  return posted;
}

async function orderedWebhook(api: string, key: string, target: string): Promise<void> {
  const res = await json(`${api}/v1/webhooks`, {
    method: 'POST',
    key,
    body: JSON.stringify({
      event_type: '*',
      target_url: target,
      ordering: 'per_key',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 1 } },
      max_attempts: 20,
    }),
  });
  expect(res.status).toBe(201);
}

async function expectAllDeliveredInOrder(receiver: Receiver, posted: Map<string, string[]>) {
  await waitUntil(
    'every event delivered',
    () => checkOrder(posted, receiver.requests),
    (c) => c.undelivered === 0,
    { timeoutMs: 120_000, intervalMs: 500 },
  );
  const report = checkOrder(posted, receiver.requests);
  expect(report.examples).toEqual([]);
  expect(report).toMatchObject({
    deliveries: KEYS.length * PER_KEY,
    delivered: KEYS.length * PER_KEY,
    unknownArrivals: 0,
    violations: { successOutOfOrder: 0, attemptBeforePreviousFinished: 0 },
  });
}

describe('lanes through kill -9 of the worker and a Temporal restart, on PostgreSQL (split processes)', () => {
  let temporal: DevServer;
  let stateDir: string | undefined;
  let tdb: TestDb;
  let receiver: Receiver;
  const procs: Proc[] = [];
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await receiver?.close();
    await tdb?.destroy();
    await temporal?.stop();
    if (stateDir) rmSync(stateDir, { recursive: true, force: true });
  });

  it('keeps every key in order and loses nothing when the worker is killed and Temporal restarts mid-lane', async () => {
    // Temporal on a SQLite file, so that the lanes it holds outlive its restart.
    stateDir = mkdtempSync(join(tmpdir(), 'sy-lanes-'));
    const temporalOptions = {
      port: await freePort(),
      uiPort: null,
      namespace: 'default',
      dbFile: join(stateDir, 'temporal.db'),
    };
    temporal = await startDevServer(temporalOptions);
    tdb = await createTestDb('postgres');
    receiver = await flakyReceiver();
    const port = await freePort();
    const common = {
      DATABASE_URL: tdb.url as string,
      TEMPORAL_ADDRESS: temporal.address,
      SWITCHYARD_ADMIN_KEY: 'admin-key-for-the-lane-kill-test',
      SWITCHYARD_SECRET_KEY: 'secret-key-for-the-lane-kill-test',
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      SWITCHYARD_DATA_DIR: stateDir,
    };
    const apiProc = runScript('start:api', { ...common, PORT: String(port) });
    let worker = runScript('start:worker', common);
    procs.push(apiProc, worker);
    await apiProc.waitForOutput('Switchyard is running.');
    await worker.waitForOutput('Switchyard is running.');
    const api = `http://127.0.0.1:${port}`;
    const key = (
      await json(`${api}/v1/accounts`, {
        method: 'POST',
        key: common.SWITCHYARD_ADMIN_KEY,
        body: '{"name":"lanes"}',
      })
    ).body.api_key as string;
    await orderedWebhook(api, key, receiver.url);

    const posting = postLanes(api, key);
    await receiver.waitFor(6, 60_000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    const atKill = receiver.requests.length;
    worker = runScript('start:worker', common);
    procs.push(worker);
    await worker.waitForOutput('Switchyard is running.');
    await receiver.waitFor(atKill + 6, 60_000);
    await temporal.stop();
    temporal = await startDevServer(temporalOptions);
    await expectAllDeliveredInOrder(receiver, await posting);
    expect(receiver.requests.length, 'the kill came mid-run').toBeGreaterThan(atKill);
  });
});

describe('lanes through kill -9 of the all-in-one process, on PGlite', () => {
  let dataDir: string;
  let receiver: Receiver;
  let proc: Proc | undefined;
  afterAll(async () => {
    // SIGTERM: npm start stops its embedded Temporal server (a SIGKILL would leave it running).
    await proc?.stop();
    await receiver?.close();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('keeps every key in order and loses nothing when npm start is killed mid-lane and started again', async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'sy-lanes-pglite-'));
    receiver = await flakyReceiver();
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const env = {
      SWITCHYARD_DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
    };
    proc = runScript('start', env);
    await proc.waitForOutput('Switchyard is running.', 120_000);
    const api = `http://127.0.0.1:${port}`;
    const admin = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    const key = (await json(`${api}/v1/accounts`, { method: 'POST', key: admin, body: '{"name":"lanes"}' }))
      .body.api_key as string;
    await orderedWebhook(api, key, receiver.url);

    // Every event is accepted before the kill (the API dies with the worker here).
    const posted = await postLanes(api, key);
    await receiver.waitFor(6, 60_000);
    proc.child.kill('SIGKILL');
    await proc.exited;
    const atKill = receiver.requests.length;
    proc = runScript('start', env);
    await proc.waitForOutput('Switchyard is running.', 120_000);
    await expectAllDeliveredInOrder(receiver, posted);
    expect(receiver.requests.length, 'the kill came mid-run').toBeGreaterThan(atKill);
  });
});
