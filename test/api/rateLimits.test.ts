// A webhook's rate_limit in effect, through the API, in real time: a real Temporal dev server (the
// time-skipping server would skip the waits this measures), a worker, the database under test and a
// loopback receiver that notes when each request arrives.
// The bound is checked on the attempts' recorded starts with 150 ms of scheduling slack
// (RATE_SLACK_MS), and on the receiver's arrival times with that slack plus the slowest send
// measured in the run (test/support/rateWindow.ts): this process also runs the worker and PGlite,
// and a loaded machine delays a send now and then by far more than the slack.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TASK_QUEUE } from '../../src/constants';
import { SecretBox } from '../../src/secrets';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertAccount, insertDelivery, insertWebhook } from '../support/fixtures';
import { expectBurstWithinLimit } from '../support/rateWindow';
import { Receiver } from '../support/receiver';
import { devServerEnv, type DevEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { createTestWorker } from '../support/worker';

describe.each(testDatabaseKinds())('webhook rate limits on %s', (kind) => {
  let dev: DevEnv;
  let tdb: TestDb;
  let receiver: Receiver;
  let app: TestApp;
  let stopWorker: () => Promise<void>;
  let key: string;
  const secrets = new SecretBox('rate-limits-test-secret');

  beforeAll(async () => {
    dev = await devServerEnv();
    tdb = await createTestDb(kind);
    receiver = await Receiver.start();
    const shim = {
      client: dev.client,
      nativeConnection: dev.nativeConnection,
    } as unknown as TestWorkflowEnvironment;
    const worker = await createTestWorker(shim, tdb.db, {
      timeSkipping: false,
      taskQueue: TASK_QUEUE,
      secrets,
    });
    stopWorker = await worker.start();
    app = await startTestApp({ db: tdb.db, temporal: dev.client, secrets });
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'limits' } })).body.api_key;
  });
  afterAll(async () => {
    await app?.close();
    await stopWorker?.();
    await receiver?.close();
    await tdb?.destroy();
    await dev?.stop();
  });

  const hook = async (path: string, body: Record<string, unknown> = {}) => {
    const res = await app.call('POST', '/v1/webhooks', {
      key,
      body: { event_type: 'package.created', target_url: `${receiver.url}${path}`, ...body },
    });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const postEvents = (n: number) =>
    Promise.all(
      Array.from({ length: n }, async () => {
        const res = await app.call('POST', '/v1/events', {
          key,
          body: { type: 'package.created', payload: {} },
        });
        expect(res.status).toBe(202);
      }),
    );
  const arrivals = (path: string) => receiver.requests.filter((r) => r.path === path).map((r) => r.at);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answer, read freely
  const deliveriesOf = async (webhookId: string): Promise<any[]> =>
    (await app.call('GET', `/v1/deliveries?webhook_id=${webhookId}&limit=100`, { key })).body.data;
  /** The waiting gauge's samples (counted over the whole database: compare with a value read before). */
  const waitingGauge = async () => {
    const text = (await app.call('GET', '/metrics', { key: null })).body as string;
    const sample = (reason: string) =>
      Number(
        new RegExp(`^switchyard_deliveries_waiting\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(text)?.[1],
      );
    return { token: sample('token'), lane: sample('lane') };
  };

  it('a burst to a limited webhook arrives within its bound; an unlimited one at full speed', async () => {
    const limit = { max: 2, perMs: 1_000 };
    const limited = await hook('/limited', { rate_limit: { max: 2, per: '1s' } });
    const free = await hook('/free');
    const burst = 12;
    await postEvents(burst);

    // A waiting delivery: pending, its next attempt time set, no attempt recorded.
    const waiting = await waitUntil('a limited delivery waits for a token', async () =>
      (await deliveriesOf(limited)).find((d) => d.status === 'pending' && d.next_attempt_at),
    );
    expect(waiting.attempts).toEqual([]);
    const one = (await app.call('GET', `/v1/deliveries/${waiting.id}`, { key })).body;
    expect(one).toMatchObject({ status: 'pending', attempts: [] });
    expect(Date.parse(one.next_attempt_at)).toBeGreaterThan(Date.now() - 1_000);
    expect((await waitingGauge()).token).toBeGreaterThan(0);

    // Waiting was no attempt: one attempt each, and nothing waits any more.
    const done = await waitUntil(
      'every limited delivery is recorded delivered',
      () => deliveriesOf(limited),
      (ds) => ds.length === burst && ds.every((d) => d.status === 'delivered'),
      { timeoutMs: 20_000 },
    );
    await waitUntil('the whole burst arrived', () => arrivals('/limited').length === burst);
    // 2 at once, then one every 500 ms: the last about 5 s after the first.
    const { firstStart, span } = expectBurstWithinLimit(done, receiver.requests, limit);
    // The unlimited webhook of the same events is not held back by its neighbour's limit.
    const freeDone = await waitUntil(
      'every unlimited delivery is recorded delivered',
      () => deliveriesOf(free),
      (ds) => ds.length === burst && ds.every((d) => d.status === 'delivered'),
    );
    const freeStarts = freeDone.map((d) => Date.parse(d.attempts[0].started_at));
    expect(Math.max(...freeStarts) - firstStart).toBeLessThan(span / 2);
    expect(done.map((d) => d.attempts.map((a: { number: number }) => a.number))).toEqual(done.map(() => [1]));
    expect(done.every((d) => d.next_attempt_at === null)).toBe(true);
    expect((await waitingGauge()).token).toBe(0);
  });

  it.each([
    ['removing the limit', null],
    ['raising the limit', { max: 100, per: '1s' }],
  ])('%s releases the waiting deliveries at once', async (_name, rateLimit) => {
    const before = await waitingGauge();
    const id = await hook('/hourly', { rate_limit: { max: 1, per: '1h' } });
    await postEvents(3);
    await waitUntil(
      'one delivered, two waiting for a token',
      async () => ({ ds: await deliveriesOf(id), sent: arrivals('/hourly').length }),
      ({ ds, sent }) =>
        sent === 1 && ds.filter((d) => d.status === 'pending' && d.next_attempt_at).length === 2,
    );
    expect((await waitingGauge()).token).toBe(before.token + 2);

    const patched = Date.now();
    const res = await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { rate_limit: rateLimit } });
    expect(res.status).toBe(200);
    expect(res.body.rate_limit).toEqual(rateLimit);
    // Their slots were an hour away: a prompt arrival means the change woke them.
    await waitUntil('both waiting deliveries arrived', () => arrivals('/hourly').length === 3, {
      timeoutMs: 10_000,
    });
    expect(Math.max(...arrivals('/hourly')) - patched).toBeLessThan(5_000);
    const ds = await waitUntil(
      'all three recorded delivered',
      () => deliveriesOf(id),
      (all) => all.every((d) => d.status === 'delivered'),
    );
    expect(ds.map((d) => d.attempts.length)).toEqual([1, 1, 1]);
  });

  it('disabling the webhook ends its waiting deliveries at once, unsent', async () => {
    const id = await hook('/disabled', { rate_limit: { max: 1, per: '1h' } });
    await postEvents(2);
    const waiting = await waitUntil('one sent, one waiting for a token', async () =>
      arrivals('/disabled').length === 1
        ? (await deliveriesOf(id)).find((d) => d.status === 'pending' && d.next_attempt_at)
        : undefined,
    );
    expect((await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { enabled: false } })).status).toBe(
      200,
    );
    const ended = await waitUntil(
      'the waiting delivery ended',
      async () => (await app.call('GET', `/v1/deliveries/${waiting.id}`, { key })).body,
      (d) => d.status !== 'pending',
      { timeoutMs: 10_000 },
    );
    expect(ended).toMatchObject({ status: 'failed', last_error: 'webhook disabled', attempts: [] });
    expect(arrivals('/disabled')).toHaveLength(1);
  });

  it('a test is sent at once while deliveries wait for a token, and takes none', async () => {
    const id = await hook('/tested', { rate_limit: { max: 1, per: '1h' } });
    await postEvents(2);
    const waiting = await waitUntil('one sent, one waiting for a token', async () =>
      arrivals('/tested').length === 1
        ? (await deliveriesOf(id)).find((d) => d.status === 'pending' && d.next_attempt_at)
        : undefined,
    );
    const test = await app.call('POST', `/v1/webhooks/${id}/test?wait=true`, { key });
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ status: 'delivered', attempts: [{ number: 1, status_code: 200 }] });
    expect(arrivals('/tested')).toHaveLength(2);
    // The waiting delivery still waits for the token it was queued for.
    expect((await app.call('GET', `/v1/deliveries/${waiting.id}`, { key })).body).toMatchObject({
      status: 'pending',
      attempts: [],
    });
  });

  it('GET /metrics counts the deliveries waiting, for a token and in a lane, from the database', async () => {
    const before = await waitingGauge();
    const account = await insertAccount(tdb.db);
    const webhook = await insertWebhook(tdb.db, secrets, account, { target_url: receiver.url });
    const row = async (over: Record<string, unknown>) => {
      const { deliveryId } = await insertDelivery(tdb.db, account, webhook);
      await tdb.db('deliveries').where({ id: deliveryId }).update(over);
    };
    const lane = (key: string, seq: number) => ({ ordering_key: key, ordering_seq: seq });
    await row({ ...lane('K', 1) }); // holds lane K
    await row({ ...lane('K', 2) }); // waits
    await row({ ...lane('K', 3), waiting: 'token' }); // waits in its lane (and, here, for a token)
    await row({ ...lane('K', 4), cycle: 2 }); // a resend runs outside the lane
    await row({ ...lane('K', 5), status: 'delivered' }); // not pending
    await row({ ...lane('L', 1) }); // holds lane L
    await row({ waiting: 'token', status: 'delivered' }); // ended: not waiting
    expect(await waitingGauge()).toEqual({ token: before.token + 1, lane: before.lane + 2 });
  });
});
