// One webhook's rate limit shared by two worker processes (`npm run start:worker`, real separate
// processes over one PostgreSQL and one Temporal dev server), against a loopback receiver: the
// combined arrivals keep to the one limit, not one limit per process. PGlite serves one process
// only, so this runs on PostgreSQL.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox } from '../../src/secrets';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { runScript, type Proc } from '../support/process';
import { expectBurstWithinLimit } from '../support/rateWindow';
import { Receiver } from '../support/receiver';
import { devServerEnv, type DevEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';

const SECRET = 'secret-key-for-the-rate-limit-workers-test';

describe.skipIf(!testDatabaseKinds().includes('postgres'))('a rate limit across worker processes', () => {
  let dev: DevEnv;
  let tdb: TestDb;
  let receiver: Receiver;
  let app: TestApp;
  let dataDir: string;
  const workers: Proc[] = [];

  beforeAll(async () => {
    dev = await devServerEnv();
    tdb = await createTestDb('postgres');
    receiver = await Receiver.start();
    dataDir = mkdtempSync(join(tmpdir(), 'sy-rate-'));
    const env = {
      DATABASE_URL: tdb.url as string,
      TEMPORAL_ADDRESS: dev.address,
      SWITCHYARD_SECRET_KEY: SECRET,
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      SWITCHYARD_DATA_DIR: dataDir,
    };
    workers.push(runScript('start:worker', env), runScript('start:worker', env));
    await Promise.all(workers.map((w) => w.waitForOutput('Switchyard is running.')));
    // The API in this process, with no worker of its own: every attempt is one of the two processes'.
    app = await startTestApp({ db: tdb.db, temporal: dev.client, secrets: new SecretBox(SECRET) });
  });
  afterAll(async () => {
    await app?.close();
    for (const w of workers) await w.stop();
    await receiver?.close();
    await tdb?.destroy();
    await dev?.stop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('both processes deliver, and the combined arrivals keep to one limit', async () => {
    const key = (await app.call('POST', '/v1/accounts', { body: { name: 'shared' } })).body.api_key;
    const webhook = await app.call('POST', '/v1/webhooks', {
      key,
      body: { event_type: '*', target_url: receiver.url, rate_limit: { max: 3, per: '1s' } },
    });
    expect(webhook.status).toBe(201);
    const burst = 15;
    await Promise.all(
      Array.from({ length: burst }, () =>
        app.call('POST', '/v1/events', { key, body: { type: 'package.created', payload: {} } }),
      ),
    );
    await receiver.waitFor(burst, 25_000);
    const list = async () =>
      (await app.call('GET', `/v1/deliveries?webhook_id=${webhook.body.id}&limit=100`, { key })).body
        .data as Array<{
        id: string;
        workflow_id: string;
        status: string;
        attempts: Array<{ started_at: string }>;
      }>;
    const data = await waitUntil(
      'every delivery is recorded delivered, with one attempt',
      list,
      (ds) => ds.length === burst && ds.every((d) => d.status === 'delivered' && d.attempts.length === 1),
    );
    const limit = { max: 3, perMs: 1_000 };
    // 3 at once, then one every 333 ms: about 4 s. A bucket per process would take half as long.
    expectBurstWithinLimit(data, receiver.requests, limit);

    // Which process made each attempt: the identity (pid@host) of the workflow tasks that ran them.
    const identities = new Set<string>();
    for (const d of data) {
      const history = await dev.client.workflow.getHandle(d.workflow_id).fetchHistory();
      for (const e of history.events ?? []) {
        const identity = e.workflowTaskCompletedEventAttributes?.identity;
        if (identity) identities.add(identity.split('@')[0] as string);
      }
    }
    expect([...identities].sort()).toEqual(workers.map((w) => String(w.child.pid)).sort());
  });
});
