import SwaggerParser from '@apidevtools/swagger-parser';
import { Client, Connection } from '@temporalio/client';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
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

  it('exposes Prometheus metrics that count requests by route', async () => {
    await app.call('GET', '/healthz', { key: null });
    const res = await fetch(`${app.url}/metrics`);
    const text = await res.text();
    expect(res.headers.get('content-type')).toContain('text/plain');
    expect(text).toMatch(/switchyard_http_requests_total\{method="GET",route="\/healthz",status="200"\} \d+/);
    expect(text).toContain('switchyard_process_resident_memory_bytes');
  });

  it('renders /docs in headless Chromium with every other host blocked', async () => {
    const browser = await chromium.launch({
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
      ],
    });
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
