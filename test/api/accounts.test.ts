import { Connection, Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { startTestApp, type TestApp } from '../support/app';
import { hashKey } from '../../src/secrets';

describe.each(testDatabaseKinds())('accounts and keys on %s', (kind) => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    // These endpoints never touch Temporal: a lazy connection to nowhere is enough.
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    app = await startTestApp({ db: tdb.db, temporal: new Client({ connection }) });
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  it('creates an account whose key is shown once and stored only as a hash', async () => {
    const res = await app.call('POST', '/v1/accounts', { body: { name: 'Acme Fulfilment' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Acme Fulfilment', id: expect.stringMatching(/^acc_/) });
    expect(res.body.api_key).toMatch(/^sy_/);
    expect(new Date(res.body.created_at).toISOString()).toBe(res.body.created_at);

    const rows = await tdb.db('api_keys').where({ account_id: res.body.id });
    expect(rows).toHaveLength(1);
    expect(rows[0].key_hash).toBe(hashKey(res.body.api_key));
    expect(JSON.stringify(rows)).not.toContain(res.body.api_key);

    const me = await app.call('GET', '/v1/account', { key: res.body.api_key });
    expect(me).toMatchObject({ status: 200, body: { id: res.body.id, name: 'Acme Fulfilment' } });
  });

  it('answers 401 without a key or with a wrong one, and 403 for the wrong kind of key', async () => {
    const acct = await app.call('POST', '/v1/accounts', { body: { name: 'B' } });
    expect((await app.call('GET', '/v1/accounts', { key: null })).status).toBe(401);
    const wrong = await app.call('GET', '/v1/accounts', { key: 'sy_notakey' });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error).toMatchObject({ code: 'unauthorized', details: [] });
    const basic = await app.call('GET', '/v1/accounts', {
      key: null,
      headers: { authorization: 'Basic Zm9vOmJhcg==' },
    });
    expect(basic.status).toBe(401);
    expect((await app.call('GET', '/v1/accounts', { key: acct.body.api_key })).body.error.code).toBe(
      'forbidden',
    );
    expect((await app.call('GET', '/v1/account', { key: app.adminKey })).status).toBe(403);
  });

  it('rotates keys: a new key works beside the old one until the old one is revoked', async () => {
    const acct = (await app.call('POST', '/v1/accounts', { body: { name: 'Rotating' } })).body;
    const oldKeyId = (await tdb.db('api_keys').where({ account_id: acct.id }).first()).id;
    const added = await app.call('POST', `/v1/accounts/${acct.id}/keys`);
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      key_id: expect.stringMatching(/^key_/),
      api_key: expect.stringMatching(/^sy_/),
    });
    expect((await app.call('GET', '/v1/account', { key: acct.api_key })).status).toBe(200);
    expect((await app.call('GET', '/v1/account', { key: added.body.api_key })).status).toBe(200);

    const revoked = await app.call('DELETE', `/v1/accounts/${acct.id}/keys/${oldKeyId}`);
    expect(revoked.status).toBe(204);
    expect((await app.call('GET', '/v1/account', { key: acct.api_key })).status).toBe(401);
    expect((await app.call('GET', '/v1/account', { key: added.body.api_key })).status).toBe(200);
    // revoking again, or another account's key, is 404
    expect((await app.call('DELETE', `/v1/accounts/${acct.id}/keys/${oldKeyId}`)).status).toBe(404);
    const other = (await app.call('POST', '/v1/accounts', { body: { name: 'Other' } })).body;
    expect((await app.call('DELETE', `/v1/accounts/${other.id}/keys/${added.body.key_id}`)).status).toBe(404);
    expect((await app.call('POST', '/v1/accounts/acc_missing/keys')).status).toBe(404);
  });

  it('reads a key from api_keys once within the cache TTL; revoking it refuses it at once', async () => {
    const acct = (await app.call('POST', '/v1/accounts', { body: { name: 'Cached' } })).body;
    const keyId = (await tdb.db('api_keys').where({ account_id: acct.id }).first()).id as string;
    let reads = 0;
    const count = (q: { sql: string }) => {
      if (/^select .* from "api_keys"/i.test(q.sql)) reads++;
    };
    tdb.db.on('query', count);
    try {
      for (let i = 0; i < 5; i++)
        expect((await app.call('GET', '/v1/account', { key: acct.api_key })).status).toBe(200);
      expect(reads).toBe(1);
      // An unknown key is not cached: every try reads (and is refused).
      for (let i = 0; i < 2; i++)
        expect((await app.call('GET', '/v1/account', { key: 'sy_unknown-key' })).status).toBe(401);
      expect(reads).toBe(3);
    } finally {
      tdb.db.off('query', count);
    }
    expect((await app.call('DELETE', `/v1/accounts/${acct.id}/keys/${keyId}`)).status).toBe(204);
    expect((await app.call('GET', '/v1/account', { key: acct.api_key })).status).toBe(401);
  });

  it("lists an account's keys by id with their last use, so the first key can be revoked", async () => {
    const acct = (await app.call('POST', '/v1/accounts', { body: { name: 'Keys' } })).body;
    expect(acct.key_id).toMatch(/^key_/);
    expect(acct.key_id).toBe((await tdb.db('api_keys').where({ account_id: acct.id }).first()).id);

    const listed = await app.call('GET', `/v1/accounts/${acct.id}/keys`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      data: [{ key_id: acct.key_id, created_at: expect.any(String), last_used_at: null }],
      next_cursor: null,
    });

    // A use is recorded, then not written again within the minute.
    expect((await app.call('GET', '/v1/account', { key: acct.api_key })).status).toBe(200);
    const used = (await app.call('GET', `/v1/accounts/${acct.id}/keys`)).body.data[0].last_used_at;
    expect(Date.now() - new Date(used).getTime()).toBeLessThan(60_000);
    await app.call('GET', '/v1/account', { key: acct.api_key });
    expect((await app.call('GET', `/v1/accounts/${acct.id}/keys`)).body.data[0].last_used_at).toBe(used);

    // A second key lists first (newest first); revoking the first one by its key_id leaves it out.
    const second = (await app.call('POST', `/v1/accounts/${acct.id}/keys`)).body;
    const both = (await app.call('GET', `/v1/accounts/${acct.id}/keys?limit=1`)).body;
    expect(both.data.map((k: { key_id: string }) => k.key_id)).toEqual([second.key_id]);
    const rest = await app.call('GET', `/v1/accounts/${acct.id}/keys?limit=1&cursor=${both.next_cursor}`);
    expect(rest.body.data.map((k: { key_id: string }) => k.key_id)).toEqual([acct.key_id]);
    expect((await app.call('DELETE', `/v1/accounts/${acct.id}/keys/${acct.key_id}`)).status).toBe(204);
    expect((await app.call('GET', '/v1/account', { key: acct.api_key })).status).toBe(401);
    const after = (await app.call('GET', `/v1/accounts/${acct.id}/keys`)).body;
    expect(after.data.map((k: { key_id: string }) => k.key_id)).toEqual([second.key_id]);

    // Never a key or its hash; admin only; an unknown account is 404.
    const text = JSON.stringify([listed.body, after]);
    expect(text).not.toContain(acct.api_key);
    expect(text).not.toContain(hashKey(acct.api_key));
    expect(text).not.toContain(hashKey(second.api_key));
    expect((await app.call('GET', `/v1/accounts/${acct.id}/keys`, { key: second.api_key })).status).toBe(403);
    expect((await app.call('GET', '/v1/accounts/acc_missing/keys')).status).toBe(404);
  });

  it('lists accounts newest first with a cursor', async () => {
    for (const name of ['p1', 'p2', 'p3']) await app.call('POST', '/v1/accounts', { body: { name } });
    const first = await app.call('GET', '/v1/accounts?limit=2');
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.data.map((a: { name: string }) => a.name)).toEqual(['p3', 'p2']);
    const second = await app.call('GET', `/v1/accounts?limit=2&cursor=${first.body.next_cursor}`);
    expect(second.body.data[0].name).toBe('p1');
    const bad = await app.call('GET', '/v1/accounts?limit=500');
    expect(bad.status).toBe(422);
    expect(bad.body.error.details).toEqual([
      { path: 'limit', message: 'must be an integer between 1 and 100' },
    ]);
  });

  it('refuses an invalid account and writes nothing', async () => {
    const before = await tdb.db('accounts').count({ n: '*' }).first();
    for (const body of [{}, { name: '' }, { name: 42 }, { name: 'x', extra: true }]) {
      const res = await app.call('POST', '/v1/accounts', { body });
      expect(res.status).toBe(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.length).toBeGreaterThan(0);
    }
    const unknown = await app.call('POST', '/v1/accounts', { body: { name: 'x', extra: true } });
    expect(unknown.body.error.details).toEqual([{ path: 'extra', message: 'is not a known field' }]);
    const missing = await app.call('POST', '/v1/accounts', { body: {} });
    expect(missing.body.error.details).toEqual([{ path: 'name', message: 'is required' }]);
    const after = await tdb.db('accounts').count({ n: '*' }).first();
    expect(Number(after?.n)).toBe(Number(before?.n));
  });
});
