import { Webhook as StandardWebhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestApp } from '../support/app';
import { testDatabaseKinds, type TestDb } from '../support/db';
import type { Received, Receiver } from '../support/receiver';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';

const SECRET = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';

// `webhook-id` is what receivers dedupe on: it must be ours (msg_...), not the client's event id,
// which is unique only within one account.
describe.each(testDatabaseKinds())('webhook-id is a message id unique across accounts on %s', (kind) => {
  let tdb: TestDb;
  let app: TestApp;
  let receiver: Receiver;
  let stack: DeliveryStack;
  /** How many requests each delivery has had: the first of each fails, so every one is retried. */
  const seen = new Map<string, number>();

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, {
      secret: 'message-ids-test-secret',
      respond: (req, res) => {
        const id = req.headers['x-switchyard-delivery'] as string;
        seen.set(id, (seen.get(id) ?? 0) + 1);
        res.writeHead(seen.get(id) === 1 ? 500 : 200).end();
      },
    });
    ({ tdb, receiver, app } = stack);
  });
  afterAll(async () => {
    await stack?.close();
  });

  const account = async (name: string) =>
    (await app.call('POST', '/v1/accounts', { body: { name } })).body.api_key as string;
  const hook = async (key: string) => {
    const res = await app.call('POST', '/v1/webhooks', {
      key,
      body: {
        event_type: 'package.created',
        target_url: receiver.url,
        secret_key: SECRET,
        retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 5 } },
        max_attempts: 3,
      },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const settled = async (key: string, eventId: string) => {
    for (let i = 0; i < 200; i++) {
      const res = await app.call('GET', `/v1/events/${eventId}`, { key });
      const ds = res.body.deliveries as Array<{ id: string; status: string }>;
      if (ds.length && ds.every((d) => d.status === 'delivered')) return res.body;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`deliveries of ${eventId} did not settle`);
  };
  const verify = (r: Received) =>
    new StandardWebhook(SECRET).verify(r.body, {
      'webhook-id': r.headers['webhook-id'] as string,
      'webhook-timestamp': r.headers['webhook-timestamp'] as string,
      'webhook-signature': r.headers['webhook-signature'] as string,
    });

  it('two accounts sending evt-1 to one receiver: two ids, each stable across attempts, webhooks and cycles', async () => {
    const [keyA, keyB] = [await account('a'), await account('b')];
    await hook(keyA);
    await hook(keyA); // a second webhook of A: the same event, the same message id
    await hook(keyB);
    const body = { id: 'evt-1', type: 'package.created', payload: { n: 1 } };
    const postedA = await app.call('POST', '/v1/events', { key: keyA, body });
    const postedB = await app.call('POST', '/v1/events', { key: keyB, body });
    expect([postedA.status, postedB.status]).toEqual([202, 202]);
    const [idA, idB] = [postedA.body.message_id as string, postedB.body.message_id as string];
    expect(idA).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(idB).toMatch(/^msg_[0-9a-z]{26}$/);
    expect(idA).not.toBe(idB);

    const eventA = await settled(keyA, 'evt-1');
    await settled(keyB, 'evt-1');
    expect(eventA.message_id).toBe(idA);
    // Three deliveries, each failed once and then retried: six requests, under two ids.
    expect(receiver.requests).toHaveLength(6);
    const ofId = (id: string) => receiver.requests.filter((r) => r.headers['webhook-id'] === id);
    expect(ofId(idA)).toHaveLength(4);
    expect(ofId(idB)).toHaveLength(2);
    expect(new Set(ofId(idA).map((r) => r.headers['x-switchyard-attempt']))).toEqual(new Set(['1', '2']));
    for (const r of receiver.requests) {
      // The client's id stays in the envelope; the signature covers our id.
      expect(JSON.parse(r.body).event.uuid).toBe('evt-1');
      expect(() => verify(r)).not.toThrow();
      expect(() => verify({ ...r, headers: { ...r.headers, 'webhook-id': 'evt-1' } })).toThrow();
    }

    // A manual resend (a new cycle) keeps the id too.
    const resent = eventA.deliveries[0].id as string;
    expect((await app.call('POST', `/v1/deliveries/${resent}/retry`, { key: keyA })).status).toBe(202);
    await receiver.waitFor(7);
    expect(receiver.requests[6]?.headers['webhook-id']).toBe(idA);

    // Stored on the event row, unique across accounts.
    const rows = await tdb.db('events').where({ id: 'evt-1' }).select('account_id', 'message_id');
    expect(new Set(rows.map((r: { message_id: string }) => r.message_id))).toEqual(new Set([idA, idB]));
  });
});
