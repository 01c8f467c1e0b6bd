import type { Request, Response } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { errorMiddleware } from '../../src/api/errorMiddleware';
import { createLogger } from '../../src/logger';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';

const SECRET = 'SECRET-7f3a';

/** The lines the API's logger writes for `err`, as the error middleware logs an unexpected error. */
function logLinesFor(err: unknown): string[] {
  const lines: string[] = [];
  const logger = createLogger('info', 'switchyard', { write: (line: string) => void lines.push(line) });
  const res = { headersSent: false, status: () => res, json: () => res, set: () => res, end: () => res };
  const req = { method: 'POST', originalUrl: '/v1/events' };
  errorMiddleware(logger)(err, req as unknown as Request, res as unknown as Response, () => undefined);
  return lines;
}

async function failure(query: PromiseLike<unknown>): Promise<unknown> {
  try {
    await query;
  } catch (err) {
    return err;
  }
  throw new Error('the query did not fail');
}

// A failed query's error carries its values (PGlite's `params`, PostgreSQL's `detail` and `where`,
// a data exception's message): payloads and header values, i.e. credentials. None may reach a log.
describe.each(testDatabaseKinds())('log lines of failed queries on %s', (kind) => {
  let tdb: TestDb;
  beforeAll(async () => {
    tdb = await createTestDb(kind);
    await tdb.db('accounts').insert({ id: 'acc_logs', name: 'logs' });
    await tdb.db('events').insert(event(`evt-${SECRET}`));
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  const event = (id: string, payload: unknown = { token: SECRET }) => ({
    account_id: 'acc_logs',
    id,
    seq: 'evt_x',
    message_id: `msg_${id}`,
    type: 'package.created',
    occurred_at: new Date(),
    payload: typeof payload === 'string' ? payload : JSON.stringify(payload),
    request_hash: 'h',
  });
  const webhook = (changes: Record<string, unknown>) => ({
    id: `whk_${Math.random()}`,
    account_id: 'acc_logs',
    event_type: '*',
    target_url: 'https://example.com',
    scope: 'automation',
    retry_policy: 'none',
    max_attempts: 1,
    timeout: '10s',
    additional_headers_sealed: `X-Api-Key ${SECRET}`,
    ...changes,
  });

  it.each([
    [
      'a duplicate key (detail: "Key (...)=(...)")',
      '23505',
      () => tdb.db('events').insert(event(`evt-${SECRET}`)),
    ],
    [
      'a not-null violation (detail: "Failing row contains")',
      '23502',
      () => tdb.db('webhooks').insert(webhook({ target_url: null })),
    ],
    [
      'text that is not JSON (where: "JSON data, line 1")',
      '22P02',
      () => tdb.db('events').insert(event('evt-2', `{"token": ${SECRET}}`)),
    ],
    [
      'a value of the wrong type (the message quotes it)',
      '22P02',
      () => tdb.db('webhooks').insert(webhook({ max_attempts: SECRET })),
    ],
  ])('%s: the statement and the code, no value', async (_what, code, query) => {
    const err = await failure(query());
    expect(JSON.stringify(err, Object.getOwnPropertyNames(err)) + String(err)).toContain('SECRET'); // the raw error has it
    const lines = logLinesFor(err);
    expect(lines).toHaveLength(1);
    const line = lines[0] as string;
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain('SECRET');
    const logged = JSON.parse(line).err;
    expect(logged).toMatchObject({
      code,
      statement: expect.stringMatching(/^insert into "(events|webhooks)"/),
    });
    expect(logged.stack).toMatch(/\n\s+at /);
  });

  it('a database error wrapped as the cause of another is scrubbed too', async () => {
    const cause = await failure(tdb.db('events').insert(event(`evt-${SECRET}`)));
    const line = logLinesFor(new Error('could not store the event', { cause }))[0] as string;
    expect(line).not.toContain(SECRET);
    expect(JSON.parse(line).err.cause).toMatchObject({ code: '23505' });
  });
});
