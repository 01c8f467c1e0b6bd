import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';

const valid = { event_type: 'package.status.shipped', target_url: 'https://hooks.example.com/oms' };

describe.each(testDatabaseKinds())('webhooks CRUD on %s', (kind) => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;
  let key: string;
  let otherKey: string;

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    // Private targets refused, as in production; the public example host is resolved by a stub below.
    app = await startTestApp({
      db: tdb.db,
      temporal: new Client({ connection }),
      env: { SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'false' },
    });
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'a' } })).body.api_key;
    otherKey = (await app.call('POST', '/v1/accounts', { body: { name: 'b' } })).body.api_key;
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  const create = (body: unknown, k = key) => app.call('POST', '/v1/webhooks', { key: k, body });
  // IP-literal targets: no DNS needed, so the suite runs offline.
  const publicUrl = 'https://93.184.215.14/hooks';

  it('creates a webhook with defaults and never returns its secrets', async () => {
    const res = await create({
      ...valid,
      target_url: publicUrl,
      secret_key: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
      auth: { type: 'basic', username: 'oms', password: 'hunter2' },
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^whk_/),
      event_type: 'package.status.shipped',
      scope: 'automation',
      goods_owner_id: null,
      retry_policy: 'one_day',
      retry_countdown_config: null,
      max_attempts: 11,
      delay: null,
      timeout: '10s',
      has_secret_key: true,
      auth: { type: 'basic', username: 'oms' },
      enabled: true,
      disabled_reason: null,
    });
    const text = JSON.stringify(res.body);
    expect(text).not.toContain('whsec_');
    expect(text).not.toContain('hunter2');
    const row = await tdb.db('webhooks').where({ id: res.body.id }).first();
    expect(JSON.stringify(row)).not.toContain('hunter2');
    expect(JSON.stringify(row)).not.toContain('MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw');
  });

  it('defaults retry_policy to countdown when a countdown config is given', async () => {
    const res = await create({
      ...valid,
      target_url: publicUrl,
      retry_countdown_config: { choice: 'exponential', kwargs: { base: 2, factor: 5, limit: 600 } },
      max_attempts: 7,
      delay: '90s',
      timeout: '30s',
      scope: 'regular',
      goods_owner_id: 'GO-1',
      additional_headers: { 'X-Tenant': 'acme' },
      notify_email: 'ops@example.com',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'exponential', kwargs: { base: 2, factor: 5, limit: 600 } },
      max_attempts: 7,
      delay: '90s',
      timeout: '30s',
      scope: 'regular',
      goods_owner_id: 'GO-1',
      additional_headers: { 'X-Tenant': '***' },
      notify_email: 'ops@example.com',
    });
  });

  it.each([
    ['event_type', { event_type: 'package.exploded' }],
    ['event_type', { event_type: 'nothing.*' }],
    ['target_url', { target_url: 'ftp://example.com/x' }],
    ['target_url', { target_url: 'not a url' }],
    ['scope', { scope: 'everyone' }],
    ['goods_owner_id', { scope: 'regular' }],
    ['goods_owner_id', { scope: 'automation', goods_owner_id: 'GO-1' }],
    ['retry_policy', { retry_policy: 'forever' }],
    ['retry_countdown_config', { retry_policy: 'countdown' }],
    [
      'retry_countdown_config',
      { retry_policy: 'none', retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 5 } } },
    ],
    ['retry_countdown_config.choice', { retry_countdown_config: { choice: 'fibonacci', kwargs: {} } }],
    [
      'retry_countdown_config.kwargs.seconds',
      { retry_countdown_config: { choice: 'fixed', kwargs: { seconds: -1 } } },
    ],
    [
      'retry_countdown_config.kwargs.base',
      { retry_countdown_config: { choice: 'linear', kwargs: { base: 1.5 } } },
    ],
    [
      'retry_countdown_config.kwargs.max_value',
      { retry_countdown_config: { choice: 'random', kwargs: { min_value: 9, max_value: 3 } } },
    ],
    ['max_attempts', { max_attempts: 0 }],
    ['max_attempts', { max_attempts: 51 }],
    ['delay', { delay: '5 minutes' }],
    ['timeout', { timeout: '2m' }],
    ['timeout', { timeout: '0s' }],
    ['additional_headers.Host', { additional_headers: { Host: 'evil' } }],
    ['additional_headers.webhook-signature', { additional_headers: { 'webhook-signature': 'v1,x' } }],
    ['additional_headers.X-Bad', { additional_headers: { 'X-Bad': 'a\r\nInjected: 1' } }],
    [
      'additional_headers.authorization',
      { auth: { type: 'bearer', token: 't' }, additional_headers: { authorization: 'x' } },
    ],
    ['secret_key', { secret_key: 'whsec_!!!' }],
    ['auth.type', { auth: { type: 'digest' } }],
    ['notify_email', { notify_email: 'not-an-email' }],
    ['enabled', { enabled: 'yes' }],
    ['surprise', { surprise: 1 }],
  ])('refuses a bad %s with 422 naming it, storing nothing', async (path, patch) => {
    const before = Number((await tdb.db('webhooks').count({ n: '*' }).first())?.n);
    const res = await create({ ...valid, target_url: publicUrl, ...patch });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    expect(Number((await tdb.db('webhooks').count({ n: '*' }).first())?.n)).toBe(before);
  });

  it.each([
    'http://127.0.0.1/x',
    'http://localhost:8080/x',
    'http://app.localhost/x',
    'http://10.1.2.3/x',
    'http://172.16.0.1/x',
    'http://192.168.1.1/x',
    'http://169.254.169.254/latest/meta-data',
    'http://100.64.0.1/x',
    'http://0.0.0.0/x',
    'http://[::1]/x',
    'http://[fe80::1]/x',
    'http://[fc00::1]/x',
    'http://[::ffff:127.0.0.1]/x',
    'http://[::ffff:10.0.0.1]/x',
    'http://2130706433/x',
    'http://0x7f.0.0.1/x',
    'http://0177.0.0.1/x',
    'http://224.0.0.1/x',
    'http://user:pass@93.184.215.14/x',
  ])('refuses the unsafe target %s', async (target) => {
    const res = await create({ ...valid, target_url: target });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('target_url');
  });

  it('gets, lists with filters, patches and deletes', async () => {
    const a = (await create({ ...valid, target_url: publicUrl, name: 'A' })).body;
    const b = (await create({ event_type: 'transfer.*', target_url: publicUrl, name: 'B', enabled: false }))
      .body;
    expect((await app.call('GET', `/v1/webhooks/${a.id}`, { key })).body.name).toBe('A');
    const transfer = await app.call('GET', '/v1/webhooks?event_type=transfer.*', { key });
    expect(transfer.body.data.map((w: { id: string }) => w.id)).toEqual([b.id]);
    const disabled = await app.call('GET', '/v1/webhooks?enabled=false', { key });
    expect(disabled.body.data.map((w: { id: string }) => w.id)).toContain(b.id);
    expect(disabled.body.data.map((w: { id: string }) => w.id)).not.toContain(a.id);

    const patched = await app.call('PATCH', `/v1/webhooks/${a.id}`, {
      key,
      body: {
        retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 30 } },
        secret_key: 'plain-secret',
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({ retry_policy: 'countdown', has_secret_key: true, name: 'A' });
    const badPatch = await app.call('PATCH', `/v1/webhooks/${a.id}`, { key, body: { scope: 'regular' } });
    expect(badPatch.status).toBe(422);
    expect(badPatch.body.error.details[0].path).toBe('goods_owner_id');
    const back = await app.call('PATCH', `/v1/webhooks/${a.id}`, {
      key,
      body: { retry_policy: 'none', secret_key: null },
    });
    expect(back.body).toMatchObject({
      retry_policy: 'none',
      retry_countdown_config: null,
      has_secret_key: false,
    });

    const reenabled = await app.call('PATCH', `/v1/webhooks/${b.id}`, { key, body: { enabled: true } });
    expect(reenabled.body).toMatchObject({ enabled: true, disabled_reason: null });

    expect((await app.call('DELETE', `/v1/webhooks/${a.id}`, { key })).status).toBe(204);
    expect((await app.call('GET', `/v1/webhooks/${a.id}`, { key })).status).toBe(404);
    expect((await app.call('DELETE', `/v1/webhooks/${a.id}`, { key })).status).toBe(404);
  });

  it("hides another account's webhooks behind 404", async () => {
    const mine = (await create({ ...valid, target_url: publicUrl })).body;
    for (const [method, path] of [
      ['GET', `/v1/webhooks/${mine.id}`],
      ['PATCH', `/v1/webhooks/${mine.id}`],
      ['DELETE', `/v1/webhooks/${mine.id}`],
      ['POST', `/v1/webhooks/${mine.id}/test`],
    ] as const) {
      const res = await app.call(method, path, {
        key: otherKey,
        ...(method === 'PATCH' ? { body: { name: 'x' } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    const list = await app.call('GET', '/v1/webhooks', { key: otherKey });
    expect(list.body.data.map((w: { id: string }) => w.id)).not.toContain(mine.id);
  });
});
