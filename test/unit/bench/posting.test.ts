import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import { Api, postEvents } from '../../../bench/lib/api';
import { BenchReceiver } from '../../../bench/lib/receiver';

/** A stand-in for POST /v1/events: answers 202 with a message id after 3 ms. */
describe('postEvents with ordering keys', () => {
  let server: Server;
  let api: Api;
  const bodies: Array<{ id: string; ordering_key?: string }> = [];
  const inFlightByKey = new Map<string, number>();
  let inFlight = 0;
  let maxInFlight = 0;
  let maxInFlightOneKey = 0;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = JSON.parse(Buffer.concat(chunks).toString()) as { id: string; ordering_key?: string };
        bodies.push(body);
        const key = body.ordering_key ?? '';
        inFlightByKey.set(key, (inFlightByKey.get(key) ?? 0) + 1);
        maxInFlightOneKey = Math.max(maxInFlightOneKey, inFlightByKey.get(key)!);
        maxInFlight = Math.max(maxInFlight, ++inFlight);
        setTimeout(() => {
          inFlight--;
          inFlightByKey.set(key, inFlightByKey.get(key)! - 1);
          res.writeHead(202, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: body.id, message_id: `msg_${body.id}` }));
        }, 3);
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    api = new Api(`http://127.0.0.1:${(server.address() as AddressInfo).port}`, 8);
  });
  afterAll(async () => {
    await api.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const plan = (ids: string[], orderingKeys?: string[]) => ({
    key: 'k',
    ids,
    type: 'package.created',
    concurrency: 4,
    rate: 0,
    retries: 0,
    deadlineMs: 30_000,
    orderingKeys,
  });

  // [keys, posts in flight at most]: fewer keys than the concurrency (4) bound it, more do not.
  it.each([
    [2, 2],
    [6, 4],
  ])("%i keys: a key's events one after another, keys concurrently, message ids kept", async (K, most) => {
    [inFlight, maxInFlight, maxInFlightOneKey] = [0, 0, 0];
    const ids = Array.from({ length: 60 }, (_, i) => `k${K}-${i}`);
    const keys = ids.map((_, i) => `key-${i % K}`);
    const results = await postEvents(api, plan(ids, keys));
    expect(results).toHaveLength(60);
    expect(results.every((r) => r.accepted && r.messageId === `msg_${r.id}`)).toBe(true);
    expect(maxInFlightOneKey).toBe(1);
    expect(maxInFlight).toBe(most);
    // Per key, the answers came in list order.
    for (let k = 0; k < K; k++) {
      const lane = results.filter((r) => r.orderingKey === `key-${k}`).sort((a, b) => a.end - b.end);
      expect(lane.map((r) => r.id)).toEqual(ids.filter((_, i) => i % K === k));
    }
    expect(bodies.find((b) => b.id === `k${K}-7`)?.ordering_key).toBe(`key-${7 % K}`);
  });

  it('sends no ordering_key without keys', async () => {
    const results = await postEvents(api, plan(['plain-1', 'plain-2']));
    expect(results.map((r) => [r.accepted, r.orderingKey])).toEqual([
      [true, undefined],
      [true, undefined],
    ]);
    expect(bodies.filter((b) => b.id.startsWith('plain-')).map((b) => 'ordering_key' in b)).toEqual([
      false,
      false,
    ]);
  });
});

describe('BenchReceiver attempts', () => {
  const send = (url: string, attempt: number) =>
    request(`${url}/h/3`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'webhook-id': 'msg_1',
        'x-switchyard-delivery': 'dlv_1',
        'x-switchyard-attempt': String(attempt),
      },
      body: JSON.stringify({ event: { uuid: 'evt-1' }, payload: {} }),
    }).then(async (r) => {
      await r.body.dump();
      return r.statusCode;
    });

  it('records every request with its headers and outcome when asked to', async () => {
    const receiver = await BenchReceiver.start({ failRate: 1, recordAttempts: true });
    try {
      expect([await send(receiver.url, 1), await send(receiver.url, 2)]).toEqual([500, 200]);
      expect(receiver.attempts.map(({ at: _at, ...a }) => a)).toEqual([
        { webhook: 3, messageId: 'msg_1', deliveryId: 'dlv_1', attempt: 1, ok: false },
        { webhook: 3, messageId: 'msg_1', deliveryId: 'dlv_1', attempt: 2, ok: true },
      ]);
      expect(receiver.attempts[0]!.at).toBeLessThan(receiver.attempts[1]!.at);
      receiver.reset();
      expect(receiver.attempts).toEqual([]);
    } finally {
      await receiver.close();
    }
  });

  it('records nothing by default', async () => {
    const receiver = await BenchReceiver.start();
    try {
      expect(await send(receiver.url, 1)).toBe(200);
      expect(receiver.attempts).toEqual([]);
      expect(receiver.delivered.size).toBe(1);
    } finally {
      await receiver.close();
    }
  });
});
