// Hostile and careless input (issue 9): every case a 4xx with the contract's error body, naming the
// field, and nothing stored. Against both databases, since what PostgreSQL refuses is the point.
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { gzipSync } from 'node:zlib';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids';
import { MAX_JSON_DEPTH } from '../../src/rules/jsonInput';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';

const publicUrl = 'https://93.184.215.14/hooks';
const webhook = { event_type: 'package.status.shipped', target_url: publicUrl };
const event = { type: 'package.created', payload: { package_id: 1 } };
const channel = {
  name: 'Allegro',
  kind: 'sales',
  release: 'beta',
  mode: 'webhook',
  connector: { url: 'https://93.184.215.14/connector' },
};
/** `levels` nested arrays: JSON text, since JSON.stringify itself would overflow the stack. */
const deepArrays = (levels: number) => '['.repeat(levels) + ']'.repeat(levels);
const TABLES = ['accounts', 'webhooks', 'events', 'channels', 'job_runs'] as const;

describe.each(testDatabaseKinds())('input rules on %s', (kind) => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;
  let key: string;
  let webhookId: string;
  let channelId: string;
  const inboundToken = 'syin_test-inbound-token';

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    // Nothing here may reach Temporal: every request is refused before it would.
    connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    app = await startTestApp({ db: tdb.db, temporal: new Client({ connection }) });
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'acme' } })).body.api_key;
    const created = await app.call('POST', '/v1/webhooks', { key, body: webhook });
    expect(created.status).toBe(201);
    webhookId = created.body.id;
    // A channel in webhook mode, as the service stores one (creating it would reconcile with Temporal).
    channelId = newId('chn');
    const { account_id } = await tdb.db('api_keys').first('account_id');
    await tdb.db('channels').insert({
      id: channelId,
      account_id,
      name: 'inbound',
      kind: 'sales',
      release: 'beta',
      mode: 'webhook',
      connector_url: 'https://93.184.215.14/connector',
      webhook_jobs: JSON.stringify({ 'orders.import': { delay: null, emergency_job_period: null } }),
      inbound_token_hash: createHash('sha256').update(inboundToken).digest('hex'),
    });
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  const counts = async () =>
    Promise.all(TABLES.map(async (t) => Number((await tdb.db(t).count({ n: '*' }).first())?.n)));

  type Case = [string, string, string, unknown, string, { admin?: boolean; inbound?: boolean }?];
  const inbound = (body: unknown): [string, string, unknown] => [
    'POST',
    '/v1/inbound/{channel}/orders.import',
    body,
  ];
  it.each<Case>([
    ['timeout "500ms" on create', 'POST', '/v1/webhooks', { ...webhook, timeout: '500ms' }, 'timeout'],
    ['timeout "" on create', 'POST', '/v1/webhooks', { ...webhook, timeout: '' }, 'timeout'],
    ['timeout "500ms" on PATCH', 'PATCH', '/v1/webhooks/{webhook}', { timeout: '500ms' }, 'timeout'],
    ['timeout "" on PATCH', 'PATCH', '/v1/webhooks/{webhook}', { timeout: '' }, 'timeout'],
    ['a delay of 104249991d', 'POST', '/v1/webhooks', { ...webhook, delay: '104249991d' }, 'delay'],
    ['a delay of 367d', 'PATCH', '/v1/webhooks/{webhook}', { delay: '367d' }, 'delay'],
    ['NUL in a webhook name', 'POST', '/v1/webhooks', { ...webhook, name: 'a\u0000b' }, 'name'],
    [
      'NUL in a webhook goods_owner_id',
      'POST',
      '/v1/webhooks',
      { ...webhook, scope: 'regular', goods_owner_id: 'GO\u0000' },
      'goods_owner_id',
    ],
    ['NUL in an account name', 'POST', '/v1/accounts', { name: '\u0000' }, 'name', { admin: true }],
    [
      'a lone surrogate in an account name',
      'POST',
      '/v1/accounts',
      { name: 'x\ud800' },
      'name',
      { admin: true },
    ],
    ['NUL in a channel name', 'POST', '/v1/channels', { ...channel, name: 'A\u0000' }, 'name'],
    ['a lone surrogate in a channel name', 'PATCH', '/v1/channels/{channel}', { name: '\udc00' }, 'name'],
    [
      'NUL deep in a payload',
      'POST',
      '/v1/events',
      { ...event, payload: { a: [{ b: 'x\u0000' }] } },
      'payload.a.0.b',
    ],
    [
      'NUL in a payload key',
      'POST',
      '/v1/events',
      { ...event, payload: { 'k\u0000': 1 } },
      'payload.k\u0000',
    ],
    [
      'a lone surrogate in a payload',
      'POST',
      '/v1/events',
      { ...event, payload: { s: '\ud800' } },
      'payload.s',
    ],
    [
      'NUL in an event goods_owner_id',
      'POST',
      '/v1/events',
      { ...event, goods_owner_id: '\u0000' },
      'goods_owner_id',
    ],
    [
      '1e400 in a payload',
      'POST',
      '/v1/events',
      `{"type":"package.created","payload":{"n":1e400}}`,
      'payload.n',
    ],
    [
      'occurred_at in year 0',
      'POST',
      '/v1/events',
      { ...event, occurred_at: '0000-01-01T00:00:00Z' },
      'occurred_at',
    ],
    [
      'occurred_at in year 10000 UTC',
      'POST',
      '/v1/events',
      { ...event, occurred_at: '9999-12-31T23:59:59-14:00' },
      'occurred_at',
    ],
    [
      'recover since year 0',
      'POST',
      '/v1/webhooks/{webhook}/recover',
      { since: '0000-01-01T00:00:00Z' },
      'since',
    ],
    [
      `a payload nested 4,000 levels`,
      'POST',
      '/v1/events',
      `{"type":"package.created","payload":{"a":${deepArrays(4000)}}}`,
      `payload.a${'.0'.repeat(MAX_JSON_DEPTH - 2)}`,
    ],
    [
      `an inbound body nested 4,000 levels`,
      ...inbound(deepArrays(4000)),
      Array(MAX_JSON_DEPTH).fill('0').join('.'),
      { inbound: true },
    ],
    ['NUL in an inbound body', ...inbound({ order: { note: '\u0000' } }), 'order.note', { inbound: true }],
    ['a lone surrogate in an inbound body', ...inbound(['\ud800']), '0', { inbound: true }],
    [
      'a bearer token with CR/LF',
      'POST',
      '/v1/webhooks',
      { ...webhook, auth: { type: 'bearer', token: 'abc\r\nX-Injected: 1' } },
      'auth.token',
    ],
    [
      'a bearer token beyond Latin-1',
      'PATCH',
      '/v1/webhooks/{webhook}',
      { auth: { type: 'bearer', token: 'tök€n' } },
      'auth.token',
    ],
    [
      'a bearer token with a space',
      'POST',
      '/v1/webhooks',
      { ...webhook, auth: { type: 'bearer', token: 'a b' } },
      'auth.token',
    ],
    [
      'a basic username with a colon',
      'POST',
      '/v1/webhooks',
      { ...webhook, auth: { type: 'basic', username: 'a:b', password: 'p' } },
      'auth.username',
    ],
    [
      'a basic password with LF',
      'POST',
      '/v1/webhooks',
      { ...webhook, auth: { type: 'basic', username: 'u', password: 'p\nq' } },
      'auth.password',
    ],
    [
      'a __proto__ key in a payload',
      'POST',
      '/v1/events',
      '{"type":"package.created","payload":{"a":{"__proto__":{"x":1}}}}',
      'payload.a.__proto__',
    ],
    [
      'a __proto__ header name',
      'PATCH',
      '/v1/webhooks/{webhook}',
      '{"additional_headers":{"__proto__":"x"}}',
      'additional_headers.__proto__',
    ],
    [
      'a target on port 0',
      'POST',
      '/v1/webhooks',
      { ...webhook, target_url: 'http://93.184.215.14:0/x' },
      'target_url',
    ],
    ['NUL in a path parameter', 'GET', '/v1/webhooks/%00', undefined, 'id'],
    ['NUL in a query parameter', 'GET', '/v1/events?goods_owner_id=%00', undefined, 'goods_owner_id'],
  ])(
    'refuses %s with 422 naming it, storing nothing',
    async (_name, method, path, body, field, opts = {}) => {
      const before = await counts();
      const url = path.replace('{webhook}', webhookId).replace('{channel}', channelId);
      const res = await app.call(method, url, {
        key: opts.admin ? app.adminKey : opts.inbound ? inboundToken : key,
        ...(body === undefined ? {} : { body }),
      });
      expect(res.status, JSON.stringify(res.body)).toBe(422);
      expect(res.body.error).toMatchObject({ code: 'validation_failed', message: expect.any(String) });
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(field);
      expect(await counts()).toEqual(before);
    },
  );

  it('accepts the longest delay (366d) and the edges of the timestamp range', async () => {
    const res = await app.call('PATCH', `/v1/webhooks/${webhookId}`, {
      key,
      body: { delay: '366d', timeout: '1s' },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ delay: '366d', timeout: '1s' });
    const recover = await app.call('POST', `/v1/webhooks/${webhookId}/recover`, {
      key,
      body: { since: '1970-01-01T00:00:00Z' },
    });
    expect(recover.status).toBe(202);
  });

  it.each<[string, Record<string, string>, string | Buffer, string]>([
    [
      'a body that is not gzip under Content-Encoding: gzip',
      { 'content-encoding': 'gzip' },
      '{"name":"x"}',
      'malformed_request',
    ],
    [
      'a gzip body labelled deflate',
      { 'content-encoding': 'deflate' },
      gzipSync('{"name":"x"}'),
      'malformed_request',
    ],
    [
      'a body that is not UTF-8',
      {},
      Buffer.from([0x7b, 0x22, 0x6e, 0x61, 0x6d, 0x65, 0x22, 0x3a, 0x22, 0xff, 0xfe, 0x22, 0x7d]),
      'malformed_request',
    ],
    [
      'an unknown Content-Encoding',
      { 'content-encoding': 'snappy' },
      '{"name":"x"}',
      'unsupported_media_type',
    ],
  ])('answers %s with its 4xx and the error body, storing nothing', async (_name, headers, body, code) => {
    const before = await counts();
    const res = await fetch(`${app.url}/v1/accounts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.adminKey}`, 'content-type': 'application/json', ...headers },
      body,
    });
    expect(res.status).toBe(code === 'malformed_request' ? 400 : 415);
    expect(await res.json()).toEqual({ error: { code, message: expect.any(String), details: [] } });
    expect(await counts()).toEqual(before);
  });

  it('accepts a gzip body that is gzip', async () => {
    const res = await fetch(`${app.url}/v1/accounts`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${app.adminKey}`,
        'content-type': 'application/json',
        'content-encoding': 'gzip',
      },
      body: gzipSync('{"name":"zipped"}'),
    });
    expect(res.status).toBe(201);
  });

  it.each([
    ['a control character in a header', `X-Bad: a\u0001b\r\n`, 400, 'malformed_request'],
    ['headers beyond the limit', `X-Big: ${'a'.repeat(20_000)}\r\n`, 431, 'headers_too_large'],
  ])(
    'answers %s (refused by Node before express) with the error body',
    async (_name, header, status, code) => {
      const answer = await new Promise<string>((resolve, reject) => {
        const { port } = new URL(app.url);
        const socket = connect(Number(port), '127.0.0.1', () =>
          socket.write(`GET /v1/webhooks HTTP/1.1\r\nHost: x\r\n${header}\r\n`),
        );
        let text = '';
        socket.on('data', (d) => (text += d.toString()));
        socket.on('end', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answer).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(JSON.parse(answer.slice(answer.indexOf('\r\n\r\n') + 4))).toEqual({
        error: { code, message: expect.any(String), details: [] },
      });
    },
  );

  it('answers a path parameter that is not UTF-8 with 400', async () => {
    const res = await app.call('GET', '/v1/webhooks/%FF', { key });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('malformed_request');
  });

  it.each([
    ['GET', '/v1/webhooks?limit=5&colour=red'],
    ['GET', '/v1/events?unknown='],
    ['GET', '/v1/deliveries?status=pending&x=1'],
    ['GET', '/v1/job-runs?foo=bar'],
    ['GET', '/v1/channels?foo=bar'],
  ])('refuses a query parameter %s %s does not list with 422, naming it', async (method, path) => {
    const res = await app.call(method, path, { key });
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('validation_failed');
    expect(res.body.error.details).toContainEqual({
      path: expect.any(String),
      message: 'is not a known field',
    });
  });

  it('refuses an unlisted query parameter on POST /v1/webhooks/{id}/test before starting anything', async () => {
    const res = await app.call('POST', `/v1/webhooks/${webhookId}/test?wait=false&extra=1`, { key });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: 'extra', message: 'is not a known field' }]);
  });

  it.each(['webhooks', 'channels'])('refuses PATCH /v1/%s/{id} with no body with 422', async (kind) => {
    const id = kind === 'webhooks' ? webhookId : channelId;
    const res = await app.call('PATCH', `/v1/${kind}/${id}`, { key });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([{ path: '(body)', message: 'is required: send a JSON object' }]);
  });

  it.each(['webhooks', 'channels'])(
    'refuses PATCH /v1/%s/{id} with a JSON null body with 422',
    async (kind) => {
      const id = kind === 'webhooks' ? webhookId : channelId;
      const res = await app.call('PATCH', `/v1/${kind}/${id}`, { key, body: 'null' });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('validation_failed');
    },
  );

  it('takes a cursor only in the documented pattern, and pages with the one it handed out', async () => {
    for (const cursor of ['0000', 'd2hrXzA2aDBhYmM', 'whk_', 'WHK_1', `whk_${'0'.repeat(65)}`]) {
      const res = await app.call('GET', `/v1/webhooks?cursor=${cursor}`, { key });
      expect(res.status, cursor).toBe(422);
      expect(res.body.error.details).toEqual([
        { path: 'cursor', message: 'is not a cursor from a previous page' },
      ]);
    }
    await app.call('POST', '/v1/webhooks', { key, body: webhook });
    const first = await app.call('GET', '/v1/webhooks?limit=1', { key });
    expect(first.body.next_cursor).toMatch(/^[a-z]{1,16}_[0-9a-z]{1,64}$/);
    const next = await app.call('GET', `/v1/webhooks?limit=1&cursor=${first.body.next_cursor}`, { key });
    expect(next.status).toBe(200);
    expect(next.body.data[0].id).not.toBe(first.body.data[0].id);
    // Any id in the pattern is a valid (if unknown) cursor: the page after it.
    expect((await app.call('GET', '/v1/webhooks?cursor=a_0', { key })).body).toEqual({
      data: [],
      next_cursor: null,
    });
  });
});
