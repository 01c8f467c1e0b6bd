import SwaggerParser from '@apidevtools/swagger-parser';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { launchChromium } from '../support/browser';
import { createTestDb, type TestDb } from '../support/db';
import { devServerEnv, type DevEnv } from '../support/temporal';

describe('the HTTP shell', () => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;

  beforeAll(async () => {
    tdb = await createTestDb('pglite');
    connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 500 });
    app = await startTestApp({ db: tdb.db, temporal: new Client({ connection }) });
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  it.each([
    ['malformed JSON', '{"name":', 'application/json', 400, 'malformed_request'],
    ['a wrong content type', 'name=x', 'application/x-www-form-urlencoded', 415, 'unsupported_media_type'],
    ['text/plain JSON', '{"name":"x"}', 'text/plain', 415, 'unsupported_media_type'],
    [
      'an oversized body',
      JSON.stringify({ name: 'x'.repeat(300 * 1024) }),
      'application/json',
      413,
      'payload_too_large',
    ],
  ])(
    'answers %s with its status and the error body, writing nothing',
    async (_what, body, type, status, code) => {
      const res = await app.call('POST', '/v1/accounts', { body, headers: { 'content-type': type } });
      expect(res.status).toBe(status);
      expect(res.body).toEqual({ error: { code, message: expect.any(String), details: [] } });
      expect(await tdb.db('accounts').count({ n: '*' }).first()).toMatchObject({ n: expect.anything() });
      expect(Number((await tdb.db('accounts').count({ n: '*' }).first())?.n)).toBe(0);
    },
  );

  it('answers an unknown route with 404 in the error body', async () => {
    const res = await app.call('GET', '/v1/nothing-here');
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
  });

  it('is healthy while Temporal is unreachable, but not ready', async () => {
    expect((await app.call('GET', '/healthz', { key: null })).body).toEqual({ status: 'ok' });
    const ready = await app.call('GET', '/readyz', { key: null });
    expect(ready.status).toBe(503);
    expect(ready.body.checks.database.status).toBe('ok');
    expect(ready.body.checks.temporal.status).toBe('unavailable');
  });

  it('serves a valid OpenAPI 3 document generated from the schemas', async () => {
    const res = await app.call('GET', '/openapi.json', { key: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toMatch(/^3\./);
    await SwaggerParser.validate(structuredClone(res.body));
    expect(Object.keys(res.body.paths)).toEqual(
      expect.arrayContaining(['/v1/accounts', '/v1/accounts/{id}/keys']),
    );
    expect(res.body.paths['/v1/accounts'].post.requestBody.content['application/json'].schema).toBeDefined();
  });

  it.each([
    ['PUT', '/v1/webhooks', 'GET, HEAD, POST'],
    ['DELETE', '/v1/webhooks', 'GET, HEAD, POST'],
    ['POST', '/v1/webhooks/whk_x', 'DELETE, GET, HEAD, PATCH'],
    ['OPTIONS', '/v1/events', 'GET, HEAD, POST'],
    ['PUT', '/v1/deliveries/dlv_x/cancel', 'POST'],
    ['POST', '/openapi.json', 'GET, HEAD'],
  ])('answers %s %s with 405, the error body and Allow: %s', async (method, path, allow) => {
    const res = await app.call(method, path, { body: method === 'PUT' ? { name: 'x' } : undefined });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body).toEqual({
      error: { code: 'method_not_allowed', message: expect.any(String), details: [] },
    });
  });

  it('keeps 404 for unknown paths, whatever the method', async () => {
    for (const method of ['GET', 'PUT']) {
      const res = await app.call(method, '/v1/nothing-here');
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
  });

  it('documents 400, 413, 415, 422 and 429 with the error body, and 503, on every operation', async () => {
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    await SwaggerParser.validate(structuredClone(doc));
    const operations = Object.entries(
      doc.paths as Record<string, Record<string, { responses: object }>>,
    ).flatMap(([path, ops]) =>
      Object.entries(ops).map(([method, op]) => [`${method} ${path}`, op.responses] as const),
    );
    expect(operations.length).toBeGreaterThan(25);
    for (const [name, responses] of operations) {
      for (const status of ['400', '413', '415', '422', '429']) {
        expect(responses, `${name} ${status}`).toHaveProperty(
          [status, 'content', 'application/json', 'schema', '$ref'],
          '#/components/schemas/Error',
        );
      }
      // /readyz answers 503 with its checks; every other operation with the error body.
      expect(responses, `${name} 503`).toHaveProperty(['503', 'content', 'application/json', 'schema']);
    }
  });

  it('documents the cursor, the inbound body and the pattern rules', async () => {
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    const cursor = doc.paths['/v1/webhooks'].get.parameters.find(
      (p: { name: string }) => p.name === 'cursor',
    );
    expect(cursor.description ?? cursor.schema.description).toMatch(/next_cursor/);
    const inbound = doc.paths['/v1/inbound/{channel_id}/{job_type}'].post.requestBody;
    expect(inbound.required).toBe(false);
    expect(doc.components.schemas.InboundBody.description).toMatch(/Any JSON value/);
    const create = doc.components.schemas.CreateWebhook.properties;
    const eventType = new RegExp(create.event_type.pattern);
    for (const ok of ['*', 'package.*', 'package.status.*', 'package.created'])
      expect(eventType.test(ok), ok).toBe(true);
    for (const bad of ['pack.*', 'package.created.*', 'nothing'])
      expect(eventType.test(bad), bad).toBe(false);
    const headerValue = new RegExp(create.additional_headers.additionalProperties.pattern);
    expect(headerValue.test('café\tok')).toBe(true);
    expect(headerValue.test('a\r\nb')).toBe(false);
    expect(create.additional_headers.description).toMatch(/HTTP tokens/);
    expect(new RegExp(create.delay.pattern ?? create.delay.anyOf?.[0]?.pattern).test('5m')).toBe(true);
  });

  it('says what every nullable union admits: no untyped {nullable: true} branch anywhere', async () => {
    const doc = (await app.call('GET', '/openapi.json', { key: null })).body;
    const bare: string[] = [];
    const walk = (node: unknown, at: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${at}/${i}`));
      if (typeof node !== 'object' || node === null) return;
      for (const [k, v] of Object.entries(node)) {
        if ((k === 'anyOf' || k === 'oneOf') && Array.isArray(v))
          v.forEach((b: Record<string, unknown>, i) => {
            if (!('type' in b) && !('$ref' in b) && !('allOf' in b) && !('anyOf' in b) && !('oneOf' in b))
              bare.push(`${at}/${k}/${i}`);
          });
        walk(v, `${at}/${k}`);
      }
    };
    walk(doc, '#');
    expect(bare).toEqual([]);
    const auth = doc.components.schemas.CreateWebhook.properties.auth;
    expect(auth.anyOf.map((b: { nullable?: boolean; type?: string }) => [b.type, b.nullable])).toEqual([
      ['object', true],
      ['object', true],
    ]);
  });

  it('exposes Prometheus metrics that count requests by route', async () => {
    await app.call('GET', '/healthz', { key: null });
    const res = await fetch(`${app.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/switchyard_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toContain('switchyard_process_resident_memory_bytes');
  });

  it('renders /docs in headless Chromium with every other host blocked', async () => {
    const browser = await launchChromium();
    try {
      const page = await browser.newPage();
      const offsite: string[] = [];
      await page.route('**/*', (route) => {
        const url = new URL(route.request().url());
        if (url.host === new URL(app.url).host || url.protocol === 'data:') return route.continue();
        offsite.push(url.href);
        return route.abort();
      });
      await page.goto(`${app.url}/docs`);
      await page.waitForSelector('.swagger-ui .opblock', { timeout: 30_000 });
      const text = await page.textContent('.swagger-ui');
      expect(text).toContain('Switchyard API');
      expect(text).toContain('/v1/accounts');
      expect(offsite).toEqual([]);
    } finally {
      await browser.close();
    }
  });
});

describe('readiness against a real Temporal server', () => {
  let dev: DevEnv;
  let tdb: TestDb;
  let app: TestApp;
  beforeAll(async () => {
    dev = await devServerEnv();
    tdb = await createTestDb('pglite');
    app = await startTestApp({ db: tdb.db, temporal: dev.client });
  });
  afterAll(async () => {
    await app?.close();
    await tdb?.destroy();
    await dev?.stop();
  });

  it('is ready when the database and Temporal both answer', async () => {
    const res = await app.call('GET', '/readyz', { key: null });
    expect(res).toMatchObject({
      status: 200,
      body: { status: 'ok', checks: { database: { status: 'ok' }, temporal: { status: 'ok' } } },
    });
  });
});
