import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHeaders } from '../../src/webhooks/headers';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';

const API_KEY = 'k-9d2f1c7e-credential';

// additional_headers carry credentials: sealed at rest, names shown, values masked as "***".
describe.each(testDatabaseKinds())('webhook additional_headers on %s', (kind) => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;
  let key: string;

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    app = await startTestApp({ db: tdb.db, temporal: new Client({ connection }) });
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'headers' } })).body.api_key;
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  const create = (headers: unknown) =>
    app.call('POST', '/v1/webhooks', {
      key,
      body: { event_type: '*', target_url: 'https://93.184.215.14/h', additional_headers: headers },
    });
  const patch = (id: string, body: unknown) => app.call('PATCH', `/v1/webhooks/${id}`, { key, body });
  const stored = async (id: string) => {
    const row = await tdb.db('webhooks').where({ id }).first();
    return { row, headers: openHeaders(app.secrets, row.additional_headers_sealed) };
  };

  it('stores the values sealed and answers every read with the names and masked values', async () => {
    const res = await create({ 'X-Api-Key': API_KEY, 'X-Tenant': 'acme' });
    expect(res.status).toBe(201);
    const masked = { 'X-Api-Key': '***', 'X-Tenant': '***' };
    expect(res.body.additional_headers).toEqual(masked);
    expect((await app.call('GET', `/v1/webhooks/${res.body.id}`, { key })).body.additional_headers).toEqual(
      masked,
    );
    const listed = (await app.call('GET', '/v1/webhooks', { key })).body.data;
    expect(listed.find((w: { id: string }) => w.id === res.body.id).additional_headers).toEqual(masked);
    expect(JSON.stringify(listed)).not.toContain(API_KEY);

    const { row, headers } = await stored(res.body.id);
    expect(row.additional_headers_sealed).toMatch(/^v1:/);
    expect(JSON.stringify(row)).not.toContain(API_KEY);
    expect(JSON.stringify(row)).not.toContain('acme');
    expect(headers).toEqual({ 'X-Api-Key': API_KEY, 'X-Tenant': 'acme' });
    // Nothing in the table holds a plain value, in any column.
    const anywhere = await tdb.db.raw(`select count(*) as n from webhooks w where w::text like ?`, [
      `%${API_KEY}%`,
    ]);
    expect(Number(anywhere.rows[0].n)).toBe(0);
  });

  it('PATCH replaces the headers; "***" keeps a stored value (names compare case-insensitively)', async () => {
    const { id } = (await create({ 'X-Api-Key': API_KEY, 'X-Tenant': 'acme' })).body;
    const res = await patch(id, { additional_headers: { 'x-api-key': '***', 'X-Region': 'eu' } });
    expect(res.status).toBe(200);
    expect(res.body.additional_headers).toEqual({ 'x-api-key': '***', 'X-Region': '***' });
    expect((await stored(id)).headers).toEqual({ 'x-api-key': API_KEY, 'X-Region': 'eu' });

    // The object a GET returned goes back unchanged: nothing changes.
    const read = (await app.call('GET', `/v1/webhooks/${id}`, { key })).body.additional_headers;
    expect((await patch(id, { additional_headers: read })).status).toBe(200);
    expect((await stored(id)).headers).toEqual({ 'x-api-key': API_KEY, 'X-Region': 'eu' });

    // A PATCH without headers leaves them; null removes them.
    expect((await patch(id, { name: 'renamed' })).body.additional_headers).toEqual(read);
    expect((await stored(id)).headers).toEqual({ 'x-api-key': API_KEY, 'X-Region': 'eu' });
    expect((await patch(id, { additional_headers: null })).body.additional_headers).toBeNull();
    expect((await stored(id)).row.additional_headers_sealed).toBeNull();
  });

  it('refuses "***" where no value is stored under that name, and changes nothing', async () => {
    const { id } = (await create({ 'X-Api-Key': API_KEY })).body;
    const res = await patch(id, { additional_headers: { 'X-Api-Key': 'new', 'X-Other': '***' } });
    expect(res.status).toBe(422);
    expect(res.body.error.details.map((d: { path: string }) => d.path)).toEqual([
      'additional_headers.X-Other',
    ]);
    expect((await stored(id)).headers).toEqual({ 'X-Api-Key': API_KEY });

    const fresh = await create({ 'X-Api-Key': '***' });
    expect(fresh.status).toBe(422);
    expect(fresh.body.error.details[0].path).toBe('additional_headers.X-Api-Key');
  });

  it('documents the mask in OpenAPI', async () => {
    const spec = (await app.call('GET', '/openapi.json')).body;
    const text = JSON.stringify(spec.components.schemas.Webhook.properties.additional_headers);
    expect(text).toContain('***');
    expect(JSON.stringify(spec.components.schemas.UpdateWebhook.properties.additional_headers)).toContain(
      'keeps the stored',
    );
  });
});
