// Ordered delivery per key (contract v2): lanes under the time-skipping server, on both databases,
// against a real loopback receiver. "Nothing happened" is proven with the lane's and the deliveries'
// queries while time is skipped, not with sleeps.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { laneQuery, laneWorkflowIds } from '../../src/workflows/lanes/contract';
import { statusQuery } from '../../src/workflows/webhooks/contract';
import type { TestApp } from '../support/app';
import { testDatabaseKinds } from '../support/db';
import type { Received, Receiver } from '../support/receiver';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';

/** Which attempts fail: by the event's payload `n` and the attempt number. */
type FailRule = (n: string, attempt: number) => boolean;

describe.each(testDatabaseKinds())('ordered delivery per key on %s', (kind) => {
  let env: TestWorkflowEnvironment;
  let app: TestApp;
  let receiver: Receiver;
  let stack: DeliveryStack;
  let key: string;
  let fails: FailRule = () => false;

  const labelOf = (r: Received) => String((JSON.parse(r.body) as { payload: { n: string } }).payload.n);
  const attemptOf = (r: Received) => Number(r.headers['x-switchyard-attempt']);

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, {
      secret: 'lanes-test-secret',
      respond: (req, res) => {
        const code = fails(labelOf(req), attemptOf(req)) ? 500 : 200;
        res.writeHead(code, { 'content-type': 'application/json' }).end('{}');
      },
    });
    ({ env, receiver, app } = stack);
  });
  beforeEach(async () => {
    fails = () => false;
    receiver.requests.length = 0;
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'lanes' } })).body.api_key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const orderedHook = async (body: Record<string, unknown> = {}) =>
    (
      await app.call('POST', '/v1/webhooks', {
        key,
        body: {
          event_type: '*',
          target_url: receiver.url,
          ordering: 'per_key',
          retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 3600 } },
          max_attempts: 3,
          ...body,
        },
      })
    ).body as { id: string; ordering: string };
  /** Posts one event; answers its delivery (once recorded). */
  const post = async (n: string, orderingKey?: string) => {
    const res = await app.call('POST', '/v1/events', {
      key,
      body: { type: 'order.created', payload: { n }, ...(orderingKey ? { ordering_key: orderingKey } : {}) },
    });
    expect(res.status).toBe(202);
    const d = await waitUntil(
      `event ${n} has a delivery`,
      async () => (await app.call('GET', `/v1/deliveries?event_id=${res.body.id}`, { key })).body.data[0],
    );
    return { eventId: res.body.id as string, id: d.id as string, workflowId: d.workflow_id as string };
  };
  const get = async (id: string) => (await app.call('GET', `/v1/deliveries/${id}`, { key })).body;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the JSON answer, read freely
  const until = async (id: string, pred: (d: any) => boolean) =>
    waitUntil(`delivery ${id} reaches the state`, () => get(id), pred);
  const finished = (workflowId: string) => env.client.workflow.getHandle(workflowId).result();
  /** What the receiver got for this test's events (labels starting with `prefix`): label#attempt. */
  const arrivals = (prefix: RegExp) =>
    receiver.requests.map((r) => `${labelOf(r)}#${attemptOf(r)}`).filter((a) => prefix.test(a));

  it('stores ordering and ordering_key and returns them', async () => {
    const hook = await orderedHook();
    expect(hook.ordering).toBe('per_key');
    const plain = (
      await app.call('POST', '/v1/webhooks', { key, body: { event_type: '*', target_url: receiver.url } })
    ).body;
    expect(plain.ordering).toBe('none');
    const ev = await app.call('POST', '/v1/events', {
      key,
      body: { type: 'order.created', ordering_key: 'ORD-1', payload: {} },
    });
    expect(ev.body.ordering_key).toBe('ORD-1');
    expect((await app.call('GET', `/v1/events/${ev.body.id}`, { key })).body.ordering_key).toBe('ORD-1');
    const bad = await app.call('POST', '/v1/events', {
      key,
      body: { type: 'order.created', ordering_key: '', payload: {} },
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: { path: string }) => d.path)).toContain('ordering_key');
  });

  it('a failing first delivery with a long countdown holds the next one of its key until it succeeds', async () => {
    const hook = await orderedHook();
    fails = (n, attempt) => n === 'k1' && attempt === 1;
    const d1 = await post('k1', 'ORD-7');
    await until(d1.id, (d) => d.attempts.length === 1);
    const d2 = await post('k2', 'ORD-7');
    // d2 has joined the lane and waits for d1, which sleeps its hour-long countdown.
    const lane = env.client.workflow.getHandle(laneWorkflowIds.lane(hook.id, 'ORD-7'));
    await waitUntil(
      'd2 waits in the lane',
      () => lane.query(laneQuery),
      (s) => s.arrived.some((m) => m.deliveryId === d2.id),
    );
    expect((await lane.query(laneQuery)).current?.deliveryId).toBe(d1.id);
    expect(await env.client.workflow.getHandle(d2.workflowId).query(statusQuery)).toMatchObject({
      state: 'waiting',
      waitingForLane: true,
      attempts: 0,
    });
    expect(await get(d2.id)).toMatchObject({ status: 'pending', waiting_for: d1.id, attempts: [] });
    expect(await get(d1.id)).toMatchObject({ waiting_for: null });
    expect(arrivals(/^k/)).toEqual(['k1#1']);
    // Skip the countdown: d1's retry succeeds, then d2 gets its turn.
    expect(await finished(d1.workflowId)).toBe('delivered');
    expect(await finished(d2.workflowId)).toBe('delivered');
    expect(arrivals(/^k/)).toEqual(['k1#1', 'k1#2', 'k2#1']);
    expect(await get(d2.id)).toMatchObject({ status: 'delivered', waiting_for: null });
  });

  it('cancelling the delivery that holds the lane releases the next one', async () => {
    await orderedHook();
    fails = (n) => n === 'c1';
    const d1 = await post('c1', 'ORD-8');
    await until(d1.id, (d) => d.attempts.length === 1);
    const d2 = await post('c2', 'ORD-8');
    await until(d2.id, (d) => d.waiting_for === d1.id);
    expect((await app.call('POST', `/v1/deliveries/${d1.id}/cancel`, { key })).status).toBe(202);
    await until(d1.id, (d) => d.status === 'cancelled');
    await until(d2.id, (d) => d.status === 'delivered');
    expect(arrivals(/^c/)).toEqual(['c1#1', 'c2#1']);
  });

  it('cancelling a waiting delivery takes it out of its lane; the one after it still waits its turn', async () => {
    await orderedHook();
    fails = (n, attempt) => n === 'w1' && attempt === 1;
    const d1 = await post('w1', 'ORD-9');
    await until(d1.id, (d) => d.attempts.length === 1);
    const d2 = await post('w2', 'ORD-9');
    const d3 = await post('w3', 'ORD-9');
    await until(d3.id, (d) => d.waiting_for === d2.id);
    expect((await app.call('POST', `/v1/deliveries/${d2.id}/cancel`, { key })).status).toBe(202);
    await until(d2.id, (d) => d.status === 'cancelled');
    await until(d3.id, (d) => d.waiting_for === d1.id);
    expect(await finished(d3.workflowId)).toBe('delivered');
    expect(arrivals(/^w/)).toEqual(['w1#1', 'w1#2', 'w3#1']);
  });

  it('three keys interleaved stay ordered per key and run in parallel across keys', async () => {
    await orderedHook({ retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 60 } } });
    // The first event of key A fails twice: A's lane is held; B and C are not.
    fails = (n, attempt) => n === 'A1' && attempt <= 2;
    const posted: Array<{ label: string; workflowId: string; id: string }> = [];
    for (let i = 1; i <= 3; i++) {
      for (const k of ['A', 'B', 'C']) {
        const d = await post(`${k}${i}`, `key-${k}`);
        posted.push({ label: `${k}${i}`, ...d });
      }
    }
    // Before A1's countdown is skipped, B and C finish while A waits.
    for (const p of posted.filter((x) => !x.label.startsWith('A'))) {
      await until(p.id, (d) => d.status === 'delivered');
    }
    expect(arrivals(/^A/)).toEqual(['A1#1']);
    for (const p of posted.filter((x) => x.label.startsWith('A')))
      expect(await finished(p.workflowId)).toBe('delivered');
    const seen = arrivals(/^[ABC]\d/);
    for (const k of ['A', 'B', 'C']) {
      expect(seen.filter((a) => a.startsWith(k))).toEqual(
        k === 'A' ? ['A1#1', 'A1#2', 'A1#3', 'A2#1', 'A3#1'] : [`${k}1#1`, `${k}2#1`, `${k}3#1`],
      );
    }
  });

  it('events without a key, other keys and unordered webhooks are not held', async () => {
    await orderedHook();
    fails = (n) => n === 'h1';
    const held = await post('h1', 'ORD-H');
    await until(held.id, (d) => d.attempts.length === 1);
    const free = await post('free'); // no ordering key
    await until(free.id, (d) => d.status === 'delivered');
    const other = await post('other', 'ORD-OTHER');
    await until(other.id, (d) => d.status === 'delivered');
    expect(await get(held.id)).toMatchObject({ status: 'pending' });
  });

  it('a manual resend of a finished delivery goes out at once, outside its lane', async () => {
    await orderedHook();
    fails = (n, attempt) => n === 'r2' && attempt === 1;
    const d1 = await post('r1', 'ORD-R');
    expect(await finished(d1.workflowId)).toBe('delivered');
    const d2 = await post('r2', 'ORD-R');
    await until(d2.id, (d) => d.attempts.length === 1);
    // d2 holds the lane in its countdown; resending the finished d1 is not held by it.
    expect((await app.call('POST', `/v1/deliveries/${d1.id}/retry`, { key })).status).toBe(202);
    await until(d1.id, (d) => d.status === 'delivered' && d.attempts.length === 2);
    expect(await get(d2.id)).toMatchObject({ status: 'pending' });
    expect(arrivals(/^r/)).toEqual(['r1#1', 'r2#1', 'r1#2']);
  });
});
