import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';

/** Settles with 'timed out' when `p` takes longer than `ms`, so a stalled database fails the test. */
const within = <T>(p: Promise<T>, ms: number): Promise<T | 'timed out'> =>
  Promise.race([p, new Promise<'timed out'>((r) => setTimeout(() => r('timed out'), ms))]);

// PGlite has one connection: a transaction that waits on DNS stalls every other query with it.
describe.each(testDatabaseKinds())('PATCH /v1/webhooks/{id} and a slow resolver on %s', (kind) => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;
  let key: string;
  let release: (addresses: string[]) => void = () => undefined;
  let resolving: Promise<string> = Promise.resolve('');
  let resolverCalled: (host: string) => void = () => undefined;

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    app = await startTestApp({
      db: tdb.db,
      temporal: new Client({ connection }),
      env: { SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'false' },
      // Stalls until the test releases it; no real DNS is asked.
      lookup: (host) => {
        resolverCalled(host);
        return new Promise((resolve) => (release = resolve));
      },
    });
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'dns' } })).body.api_key;
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  it('resolves the new target before its transaction: other database work goes on meanwhile', async () => {
    const created = await app.call('POST', '/v1/webhooks', {
      key,
      body: { event_type: '*', target_url: 'https://93.184.215.14/hooks' },
    });
    expect(created.status).toBe(201);
    resolving = new Promise((r) => (resolverCalled = r));

    const patch = app.call('PATCH', `/v1/webhooks/${created.body.id}`, {
      key,
      body: { target_url: 'https://slow.example.com/hooks', name: 'renamed' },
    });
    expect(await within(resolving, 5_000)).toBe('slow.example.com');
    try {
      // The resolver is stalled now: a query of our own and another request must still complete.
      expect(await within(tdb.db.raw('select 1 as one'), 3_000)).not.toBe('timed out');
      const listed = await within(app.call('GET', '/v1/webhooks', { key }), 3_000);
      expect(listed).not.toBe('timed out');
      expect((listed as { status: number }).status).toBe(200);
    } finally {
      release(['93.184.215.14']);
    }
    const done = await patch;
    expect(done.status).toBe(200);
    expect(done.body).toMatchObject({ target_url: 'https://slow.example.com/hooks', name: 'renamed' });
  });

  it('still refuses a target that resolves to a private address, and changes nothing', async () => {
    const created = await app.call('POST', '/v1/webhooks', {
      key,
      body: { event_type: '*', target_url: 'https://93.184.215.14/hooks', name: 'before' },
    });
    resolverCalled = () => setImmediate(() => release(['10.0.0.7']));
    const res = await app.call('PATCH', `/v1/webhooks/${created.body.id}`, {
      key,
      body: { target_url: 'https://internal.example.com/x', name: 'after' },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details[0].path).toBe('target_url');
    const row = await tdb.db('webhooks').where({ id: created.body.id }).first();
    expect(row).toMatchObject({ name: 'before', target_url: 'https://93.184.215.14/hooks' });
  });
});
