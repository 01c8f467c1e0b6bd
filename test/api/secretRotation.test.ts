// Secret rotation with overlap (design.md, Contract v2): webhook secrets, connector secrets and
// inbound tokens, through the API, real deliveries and job runs on the time-skipping server, and a
// loopback receiver. Signatures are checked by the Standard Webhooks and Svix libraries.
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { TestApp } from '../support/app';
import { testDatabaseKinds, type TestDb } from '../support/db';
import type { Received, Receiver } from '../support/receiver';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';

const OLD = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const NEW = `whsec_${Buffer.alloc(32, 0x5a).toString('base64')}`;
const NEWER = `whsec_${Buffer.alloc(24, 0x17).toString('base64')}`;
const PLAIN = 'a plain connector secret';
const H = 3_600_000;
const JOB = 'orders.import';

/** Both libraries take whsec_ secrets; a plain secret's key is its UTF-8 bytes, i.e. base64 of them. */
const libraryKey = (secret: string) =>
  secret.startsWith('whsec_') ? secret : Buffer.from(secret, 'utf8').toString('base64');

/**
 * Whether [standardwebhooks, svix] verify a received request with `secret`, given its raw body and
 * headers. The receiver's clock is the request's own time: under time skipping the test server's
 * clock (the webhook-timestamp) runs ahead of the wall clock, and the libraries allow 5 minutes.
 */
function verifiedBy(r: Received, secret: string): [boolean, boolean] {
  const headers = {
    'webhook-id': r.headers['webhook-id'] as string,
    'webhook-timestamp': r.headers['webhook-timestamp'] as string,
    'webhook-signature': r.headers['webhook-signature'] as string,
  };
  const ok = (verify: () => unknown) => {
    try {
      verify();
      return true;
    } catch {
      return false;
    }
  };
  vi.useFakeTimers({ toFake: ['Date'] });
  try {
    vi.setSystemTime(Number(headers['webhook-timestamp']) * 1000);
    return [
      ok(() => new StandardWebhook(libraryKey(secret)).verify(r.body, headers)),
      ok(() => new SvixWebhook(libraryKey(secret)).verify(r.body, headers)),
    ];
  } finally {
    vi.useRealTimers();
  }
}

/** The `v1,` entries of the request's webhook-signature header. */
const signatures = (r: Received) =>
  String(r.headers['webhook-signature'] ?? '')
    .split(' ')
    .filter(Boolean);

/**
 * The request carries exactly one signature per secret of `by`, in that order (new first), and
 * both libraries verify each of them; with any secret of `not`, both refuse the request.
 */
function expectSigned(r: Received, by: string[], not: string[]): void {
  const entries = signatures(r);
  expect(entries).toHaveLength(by.length);
  by.forEach((secret, i) => {
    const alone = { ...r, headers: { ...r.headers, 'webhook-signature': entries[i] } };
    expect(verifiedBy(alone, secret), `signature ${i + 1}`).toEqual([true, true]);
    expect(verifiedBy(r, secret)).toEqual([true, true]);
  });
  for (const secret of not) expect(verifiedBy(r, secret)).toEqual([false, false]);
}

describe.each(testDatabaseKinds())('secret rotation with overlap on %s', (kind) => {
  let env: TestWorkflowEnvironment;
  let tdb: TestDb;
  let app: TestApp;
  let receiver: Receiver;
  let stack: DeliveryStack;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    stack = await startDeliveryStack(kind, {
      secret: 'rotation-test-secret',
      // An event whose payload says `fail_first` fails its first attempt.
      respond: (req, res) => {
        const failFirst =
          req.headers['x-switchyard-attempt'] === '1' && req.body.includes('"fail_first":true');
        res.writeHead(failFirst ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
      },
    });
    ({ env, tdb, receiver, app } = stack);
  });
  beforeEach(async () => {
    receiver.requests.length = 0;
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'rotation' } })).body.api_key;
    otherKey = (await app.call('POST', '/v1/accounts', { body: { name: 'other' } })).body.api_key;
  });
  afterAll(async () => {
    await stack?.close();
  });

  const serverNow = async () => env.currentTimeMs();
  const hook = async (body: Record<string, unknown> = {}) => {
    const res = await app.call('POST', '/v1/webhooks', {
      key,
      body: { event_type: 'package.created', target_url: receiver.url, retry_policy: 'none', ...body },
    });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body.id as string;
  };
  const rotate = (id: string, body?: unknown, k = key) =>
    app.call('POST', `/v1/webhooks/${id}/rotate-secret`, { key: k, body });
  /** Posts an event; its message id and its (one) delivery once recorded. */
  const deliver = async (payload: Record<string, unknown> = {}) => {
    const posted = await app.call('POST', '/v1/events', {
      key,
      body: { type: 'package.created', payload: { n: 1, ...payload } },
    });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    const delivery = await waitUntil(
      `a delivery of event ${posted.body.id as string} is recorded`,
      async () =>
        (await app.call('GET', `/v1/deliveries?event_id=${posted.body.id as string}`, { key })).body.data[0],
    );
    return { messageId: posted.body.message_id as string, delivery };
  };
  const delivered = async (deliveryId: string) =>
    waitUntil(
      `delivery ${deliveryId} is delivered`,
      async () => (await app.call('GET', `/v1/deliveries/${deliveryId}`, { key })).body,
      (d) => d.status === 'delivered',
    );
  const requestsOf = (messageId: string) =>
    receiver.requests.filter((r) => r.headers['webhook-id'] === messageId);
  /** Posts an event and waits until it is delivered: the one request its delivery made. */
  const sent = async () => {
    const { messageId, delivery } = await deliver();
    await delivered(delivery.id);
    return requestsOf(messageId)[0]!;
  };
  /** The columns a refused request must leave alone. */
  const webhookRow = async (id: string) =>
    tdb
      .db('webhooks')
      .where({ id })
      .first('secret_key_sealed', 'old_secret_key_sealed', 'old_secret_expires_at', 'updated_at');

  it('signs with both secrets, new first, during the overlap and with the new one only after it (at each attempt)', async () => {
    const id = await hook({
      secret_key: OLD,
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 7200 } },
      max_attempts: 2,
    });
    const before = await serverNow();
    const res = await rotate(id, { secret_key: NEW, keep_old_for: '1h' });
    const after = await serverNow();
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['old_secret_expires_at', 'secret_key']);
    expect(res.body.secret_key).toBe(NEW);
    const expiresAt = Date.parse(res.body.old_secret_expires_at);
    expect(expiresAt).toBeGreaterThanOrEqual(before + H);
    expect(expiresAt).toBeLessThanOrEqual(after + H);

    // GET shows when the overlap ends, never a secret.
    const got = await app.call('GET', `/v1/webhooks/${id}`, { key });
    expect(got.body).toMatchObject({
      has_secret_key: true,
      old_secret_expires_at: res.body.old_secret_expires_at,
    });
    expect(JSON.stringify(got.body)).not.toMatch(/whsec_|"(old_)?secret_key"/);

    // During the overlap: one header, two signatures, new first; either secret verifies it.
    expectSigned(await sent(), [NEW, OLD], [NEWER]);

    // An event accepted during the overlap whose first attempt fails: the retry two hours later is
    // past the expiry, and is signed with the new secret only. Waiting on the delivery's workflow
    // lets the test server skip its countdown.
    const retried = await deliver({ fail_first: true });
    await waitUntil('the first attempt fails', () => requestsOf(retried.messageId).length === 1);
    expect(await env.client.workflow.getHandle(retried.delivery.workflow_id).result()).toBe('delivered');
    const [first, second] = requestsOf(retried.messageId);
    expectSigned(first!, [NEW, OLD], []);
    expect(Number(second!.headers['webhook-timestamp']) * 1000).toBeGreaterThanOrEqual(expiresAt);
    expectSigned(second!, [NEW], [OLD]);
    // And any later delivery.
    expectSigned(await sent(), [NEW], [OLD]);
  });

  it('the overlap ends exactly at old_secret_expires_at on the attempt clock', async () => {
    const id = await hook({ secret_key: OLD });
    const res = await rotate(id, { secret_key: NEW, keep_old_for: '10m' });
    const expiresAt = Date.parse(res.body.old_secret_expires_at);
    // Just before the instant (real time passing in between is well under the margin): both.
    await env.sleep(expiresAt - (await serverNow()) - 20_000);
    const before = await sent();
    expect(Number(before.headers['webhook-timestamp']) * 1000).toBeLessThan(expiresAt);
    expectSigned(before, [NEW, OLD], []);
    // Just past it: the new one only.
    await env.sleep(expiresAt - (await serverNow()) + 1_000);
    expectSigned(await sent(), [NEW], [OLD]);
  });

  it('generates a whsec_ secret when none is given: absent body, empty body, keep_old_for null', async () => {
    const id = await hook({ secret_key: OLD });
    // No body at all: a generated secret, the old one kept for the default 24h.
    const t0 = await serverNow();
    const absent = await rotate(id);
    expect(absent.status, JSON.stringify(absent.body)).toBe(200);
    expect(absent.body.secret_key).toMatch(/^whsec_[A-Za-z0-9+/]+={0,2}$/);
    expect(Buffer.from(absent.body.secret_key.slice(6), 'base64').length).toBeGreaterThanOrEqual(24);
    const kept = Date.parse(absent.body.old_secret_expires_at) - t0;
    expect(kept).toBeGreaterThanOrEqual(24 * H);
    expect(kept).toBeLessThan(24 * H + 60_000);
    // `{}`: another one, different from the first.
    const empty = await rotate(id, {});
    expect(empty.status).toBe(200);
    expect(empty.body.secret_key).toMatch(/^whsec_/);
    expect(empty.body.secret_key).not.toBe(absent.body.secret_key);
    // keep_old_for null: the old one is dropped at once.
    const dropped = await rotate(id, { keep_old_for: null });
    expect(dropped.status).toBe(200);
    expect(dropped.body.old_secret_expires_at).toBeNull();
    expect((await app.call('GET', `/v1/webhooks/${id}`, { key })).body.old_secret_expires_at).toBeNull();
    expectSigned(
      await sent(),
      [dropped.body.secret_key],
      [OLD, absent.body.secret_key, empty.body.secret_key],
    );
  });

  it('rotating again while an old secret is kept replaces the old one with the current one', async () => {
    const id = await hook({ secret_key: OLD });
    expect((await rotate(id, { secret_key: NEW, keep_old_for: '1h' })).status).toBe(200);
    expect((await rotate(id, { secret_key: NEWER, keep_old_for: '2h' })).status).toBe(200);
    expectSigned(await sent(), [NEWER, NEW], [OLD]);
  });

  it('a webhook without a secret just gets one; a PATCH of secret_key drops a kept secret at once', async () => {
    const id = await hook();
    expect((await app.call('GET', `/v1/webhooks/${id}`, { key })).body.has_secret_key).toBe(false);
    const res = await rotate(id, { keep_old_for: '1h' });
    expect(res.status).toBe(200);
    expect(res.body.old_secret_expires_at).toBeNull();
    expect((await app.call('GET', `/v1/webhooks/${id}`, { key })).body).toMatchObject({
      has_secret_key: true,
      old_secret_expires_at: null,
    });
    expectSigned(await sent(), [res.body.secret_key], []);

    // Rotate with an overlap, then set the secret outright: only that one signs.
    expect((await rotate(id, { secret_key: NEW })).status).toBe(200);
    const patched = await app.call('PATCH', `/v1/webhooks/${id}`, { key, body: { secret_key: OLD } });
    expect(patched.status).toBe(200);
    expect(patched.body.old_secret_expires_at).toBeNull();
    expectSigned(await sent(), [OLD], [NEW]);
  });

  it("answers 404 for another account's, an unknown or a deleted webhook, 422 for a bad body; nothing is written", async () => {
    const id = await hook({ secret_key: OLD });
    const stored = await webhookRow(id);
    expect((await rotate(id, { secret_key: NEW }, otherKey)).status).toBe(404);
    expect((await rotate('whk_unknown', {})).status).toBe(404);
    for (const [body, path] of [
      [{ keep_old_for: '8d' }, 'keep_old_for'],
      [{ keep_old_for: '169h' }, 'keep_old_for'],
      [{ keep_old_for: '5 minutes' }, 'keep_old_for'],
      [{ keep_old_for: 60 }, 'keep_old_for'],
      [{ secret_key: 'whsec_not base64!' }, 'secret_key'],
      [{ secret_key: '' }, 'secret_key'],
      [{ secret_key: null }, 'secret_key'],
      [{ secret_key: 'x'.repeat(513) }, 'secret_key'],
      [{ secret_key: NEW, extra: 1 }, 'extra'],
      [null, '(body)'],
      [[], '(body)'],
      ['"text"', '(body)'],
    ] as const) {
      const res = await rotate(id, body);
      expect(res.status, JSON.stringify(body)).toBe(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
    }
    expect(await webhookRow(id)).toEqual(stored);
    expect((await app.call('DELETE', `/v1/webhooks/${id}`, { key })).status).toBe(204);
    expect((await rotate(id, {})).status).toBe(404);
  });

  it('documents the three routes, their bodies (optional), answers and the new response fields', async () => {
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    for (const [path, body, answer] of [
      ['/v1/webhooks/{id}/rotate-secret', 'RotateSecret', 'RotatedSecret'],
      ['/v1/channels/{id}/rotate-connector-secret', 'RotateSecret', 'RotatedSecret'],
      ['/v1/channels/{id}/rotate-inbound-token', 'RotateInboundToken', 'RotatedInboundToken'],
    ] as const) {
      const op = doc.paths[path].post;
      expect(op.requestBody.required, path).toBe(false);
      expect(op.requestBody.content['application/json'].schema.$ref).toBe(`#/components/schemas/${body}`);
      expect(op.responses['200'].content['application/json'].schema.$ref).toBe(
        `#/components/schemas/${answer}`,
      );
      for (const status of ['401', '404', '422'])
        expect(op.responses, `${path} ${status}`).toHaveProperty(status);
    }
    const schemas = doc.components.schemas;
    expect(schemas.RotateSecret.additionalProperties).toBe(false);
    expect(Object.keys(schemas.RotateSecret.properties).sort()).toEqual(['keep_old_for', 'secret_key']);
    expect(Object.keys(schemas.RotateInboundToken.properties)).toEqual(['keep_old_for']);
    const keep = new RegExp(schemas.RotateSecret.properties.keep_old_for.pattern);
    for (const ok of ['0s', '24h', '7d', '168h', '604800s']) expect(keep.test(ok), ok).toBe(true);
    for (const bad of ['8d', '169h', '604801s', '1w']) expect(keep.test(bad), bad).toBe(false);
    expect(schemas.RotateSecret.properties.keep_old_for.default).toBe('24h');
    expect(schemas.Webhook.properties.old_secret_expires_at.nullable).toBe(true);
    expect(schemas.Channel.properties.old_inbound_token_expires_at.nullable).toBe(true);
    expect(schemas.Channel.properties.connector.properties.old_secret_expires_at.nullable).toBe(true);
  });

  describe('channels', () => {
    const channelBody = (connector: Record<string, unknown>) => ({
      name: 'Rotating shop',
      kind: 'sales',
      release: 'beta',
      mode: 'webhook',
      connector: { url: receiver.url, ...connector },
      // A long delay: inbound webhooks join one waiting run and call no connector meanwhile.
      webhook_jobs: { [JOB]: { delay: '7d', emergency_job_period: null } },
    });
    const createChannel = async (connector: Record<string, unknown> = {}) => {
      const res = await app.call('POST', '/v1/channels', { key, body: channelBody(connector) });
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body as { id: string; inbound_token: string };
    };
    const inbound = (channelId: string, token: string) =>
      app.call('POST', `/v1/inbound/${channelId}/${JOB}`, { key: token, body: { order: 1 } });
    const rotateToken = (id: string, body?: unknown, k = key) =>
      app.call('POST', `/v1/channels/${id}/rotate-inbound-token`, { key: k, body });
    const rotateConnector = (id: string, body?: unknown, k = key) =>
      app.call('POST', `/v1/channels/${id}/rotate-connector-secret`, { key: k, body });
    /** A manual job run, and the connector request it made (once it has finished). */
    const runJob = async (channelId: string) => {
      const res = await app.call('POST', `/v1/channels/${channelId}/jobs/${JOB}/run`, { key });
      expect(res.status, JSON.stringify(res.body)).toBe(202);
      const id = res.body.job_run_id as string;
      await waitUntil(
        `job run ${id} succeeds`,
        async () => (await app.call('GET', `/v1/job-runs/${id}`, { key })).body.status,
        (status) => status === 'succeeded',
      );
      const requests = receiver.requests.filter((r) => r.headers['x-switchyard-job-run'] === id);
      expect(requests).toHaveLength(1);
      expect(requests[0]!.headers['webhook-id']).toBe(id);
      return requests[0]!;
    };
    const channelRow = async (id: string) =>
      tdb
        .db('channels')
        .where({ id })
        .first(
          'connector_secret',
          'old_connector_secret',
          'old_connector_secret_expires_at',
          'inbound_token_hash',
          'old_inbound_token_hash',
          'old_inbound_token_expires_at',
          'updated_at',
        );

    it('both inbound tokens authenticate during the overlap, only the new one after it', async () => {
      const ch = await createChannel();
      const t0 = ch.inbound_token;
      expect((await inbound(ch.id, t0)).status).toBe(202);
      const res = await rotateToken(ch.id, { keep_old_for: '30m' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(Object.keys(res.body).sort()).toEqual(['inbound_token', 'old_token_expires_at']);
      const t1 = res.body.inbound_token as string;
      expect(t1).toMatch(/^syin_/);
      expect(t1).not.toBe(t0);
      const expiresAt = Date.parse(res.body.old_token_expires_at);
      expect(
        (await app.call('GET', `/v1/channels/${ch.id}`, { key })).body.old_inbound_token_expires_at,
      ).toBe(res.body.old_token_expires_at);

      expect((await inbound(ch.id, t0)).status).toBe(202);
      expect((await inbound(ch.id, t1)).status).toBe(202);
      expect((await inbound(ch.id, 'syin_not-a-token')).status).toBe(401);

      // Just before the instant: still both; just past it: the old one is refused.
      await env.sleep(expiresAt - (await serverNow()) - 20_000);
      expect((await inbound(ch.id, t0)).status).toBe(202);
      await env.sleep(expiresAt - (await serverNow()) + 1_000);
      const refused = await inbound(ch.id, t0);
      expect(refused.status).toBe(401);
      expect(refused.body.error.code).toBe('unauthorized');
      expect((await inbound(ch.id, t1)).status).toBe(202);
    });

    it('rotating the inbound token twice keeps only the one it replaced; keep_old_for null keeps none', async () => {
      const ch = await createChannel();
      const t1 = (await rotateToken(ch.id, {})).body.inbound_token as string;
      const second = await rotateToken(ch.id);
      expect(second.status).toBe(200);
      const t2 = second.body.inbound_token as string;
      expect((await inbound(ch.id, ch.inbound_token)).status).toBe(401);
      expect((await inbound(ch.id, t1)).status).toBe(202);
      expect((await inbound(ch.id, t2)).status).toBe(202);

      const dropped = await rotateToken(ch.id, { keep_old_for: null });
      expect(dropped.status).toBe(200);
      expect(dropped.body.old_token_expires_at).toBeNull();
      expect((await inbound(ch.id, t2)).status).toBe(401);
      expect((await inbound(ch.id, dropped.body.inbound_token)).status).toBe(202);
    });

    it('job runs carry both connector signatures during the overlap, the new one only after it', async () => {
      const ch = await createChannel({ secret_key: PLAIN });
      const res = await rotateConnector(ch.id, { secret_key: NEW, keep_old_for: '2h' });
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.secret_key).toBe(NEW);
      const expiresAt = Date.parse(res.body.old_secret_expires_at);
      const got = (await app.call('GET', `/v1/channels/${ch.id}`, { key })).body;
      expect(got.connector).toMatchObject({
        has_secret_key: true,
        old_secret_expires_at: res.body.old_secret_expires_at,
      });
      expect(JSON.stringify(got)).not.toMatch(/whsec_|plain connector secret/);

      expectSigned(await runJob(ch.id), [NEW, PLAIN], [NEWER]);

      await env.sleep(expiresAt - (await serverNow()) + 1_000);
      expectSigned(await runJob(ch.id), [NEW], [PLAIN]);

      // Set outright on PATCH, a secret replaces the kept one at once.
      expect((await rotateConnector(ch.id, { secret_key: NEWER })).status).toBe(200);
      const patched = await app.call('PATCH', `/v1/channels/${ch.id}`, {
        key,
        body: { connector: { secret_key: OLD } },
      });
      expect(patched.status, JSON.stringify(patched.body)).toBe(200);
      expect(patched.body.connector.old_secret_expires_at).toBeNull();
      expectSigned(await runJob(ch.id), [OLD], [NEW, NEWER]);
    });

    it('a connector without a secret just gets a generated one', async () => {
      const ch = await createChannel();
      const res = await rotateConnector(ch.id);
      expect(res.status, JSON.stringify(res.body)).toBe(200);
      expect(res.body.secret_key).toMatch(/^whsec_/);
      expect(res.body.old_secret_expires_at).toBeNull();
      expectSigned(await runJob(ch.id), [res.body.secret_key], []);
    });

    it("answers 404 for another account's or an unknown channel, 422 for a bad body; nothing is written", async () => {
      const ch = await createChannel({ secret_key: PLAIN });
      const stored = await channelRow(ch.id);
      expect((await rotateToken(ch.id, {}, otherKey)).status).toBe(404);
      expect((await rotateConnector(ch.id, {}, otherKey)).status).toBe(404);
      expect((await rotateToken('chn_unknown', {})).status).toBe(404);
      expect((await rotateConnector('chn_unknown', {})).status).toBe(404);
      for (const [rot, body, path] of [
        [rotateToken, { keep_old_for: '8d' }, 'keep_old_for'],
        [rotateToken, { secret_key: NEW }, 'secret_key'],
        [rotateToken, null, '(body)'],
        [rotateConnector, { keep_old_for: '1 hour' }, 'keep_old_for'],
        [rotateConnector, { secret_key: 'whsec_' }, 'secret_key'],
        [rotateConnector, { secret_key: NEW, url: 'https://example.com' }, 'url'],
      ] as const) {
        const res = await rot(ch.id, body);
        expect(res.status, JSON.stringify(body)).toBe(422);
        expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([path]);
      }
      expect(await channelRow(ch.id)).toEqual(stored);
      expect((await inbound(ch.id, ch.inbound_token)).status).toBe(202);
    });
  });
});
