import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RateLimiter } from '../../src/api/rateLimit';
import { RateLimitedError } from '../../src/errors';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, type TestDb } from '../support/db';

describe('RateLimiter', () => {
  it.each([
    // rate/s, burst, requests at t=0, then ms later, allowed afterwards
    [10, 20, 20, 0, 0],
    [10, 20, 20, 100, 1],
    [10, 20, 20, 1000, 10],
    [10, 20, 20, 60_000, 20],
  ])(
    'rate %i/s burst %i: after %i requests and %i ms, %i more pass',
    (rate, burst, first, later, allowed) => {
      let now = 0;
      const limiter = new RateLimiter(rate, burst, () => now);
      for (let i = 0; i < first; i++) limiter.take('k');
      expect(() => limiter.take('k')).toThrow(RateLimitedError);
      now += later;
      let passed = 0;
      for (let i = 0; i < 100; i++) {
        try {
          limiter.take('k');
          passed += 1;
        } catch {
          break;
        }
      }
      expect(passed).toBe(allowed);
    },
  );

  it('keeps callers apart and can be turned off', () => {
    const limiter = new RateLimiter(1, 1, () => 0);
    limiter.take('a');
    expect(() => limiter.take('a')).toThrow(RateLimitedError);
    expect(() => limiter.take('b')).not.toThrow();
    const off = new RateLimiter(0, 0);
    for (let i = 0; i < 1000; i++) off.take('a');
  });
});

describe('429 from the API', () => {
  let tdb: TestDb;
  let app: TestApp;
  let connection: Connection;
  beforeAll(async () => {
    tdb = await createTestDb('pglite');
    connection = Connection.lazy({ address: '127.0.0.1:1' });
    app = await startTestApp({ db: tdb.db, temporal: new Client({ connection }), rateLimit: 2 });
  });
  afterAll(async () => {
    await app?.close();
    await connection?.close();
    await tdb?.destroy();
  });

  it('answers 429 with Retry-After and the error body once a key spends its burst', async () => {
    const key = (await app.call('POST', '/v1/accounts', { body: { name: 'busy' } })).body.api_key;
    // burst 4, refilling at 2/s: at most a couple more pass while the requests themselves take time
    const answers = [];
    for (let i = 0; i < 10; i++) answers.push(await app.call('GET', '/v1/account', { key }));
    const statuses = answers.map((a) => a.status);
    expect(statuses.slice(0, 4)).toEqual([200, 200, 200, 200]);
    const limited = answers.find((a) => a.status === 429);
    expect(limited, statuses.join(',')).toBeDefined();
    if (!limited) return;
    expect(limited.headers.get('retry-after')).toBe('1');
    expect(limited.body.error.code).toBe('rate_limited');
    // health checks are never limited
    expect((await app.call('GET', '/healthz', { key: null })).status).toBe(200);
  });
});
