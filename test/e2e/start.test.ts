import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDb, type TestDb } from '../support/db';
import { processesMatching, runScript, type Proc } from '../support/process';
import { Receiver } from '../support/receiver';
import { devServerEnv, freePort, type DevEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { json, subscribeAndPost } from './http';

/** Polls `fn` until it answers something; a failing call (a process still starting) counts as no answer. */
async function poll<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 60_000): Promise<T> {
  const value = await waitUntil(
    what,
    () => fn().catch(() => undefined),
    (v) => v !== undefined,
    {
      timeoutMs,
      intervalMs: 250,
    },
  );
  return value!;
}

describe('npm start on embedded defaults', () => {
  let dataDir: string;
  let receiver: Receiver;
  let env: Record<string, string>;
  let api: string;
  let proc: Proc | undefined;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'switchyard-e2e-'));
    receiver = await Receiver.start();
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    env = {
      SWITCHYARD_DATA_DIR: dataDir,
      PORT: String(port),
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
    };
    api = `http://127.0.0.1:${port}`;
  });
  afterAll(async () => {
    await proc?.stop('SIGKILL');
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts, delivers, stops cleanly on SIGTERM, and keeps its state across a restart', async () => {
    proc = runScript('start', env);
    await proc.waitForOutput('Switchyard is running.');
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    expect(proc.output()).toContain(adminKey);
    expect(proc.output()).toContain(`Temporal UI  http://127.0.0.1:${env.TEMPORAL_UI_PORT}`);

    expect((await json(`${api}/readyz`)).status).toBe(200);
    const ui = await fetch(`http://127.0.0.1:${env.TEMPORAL_UI_PORT}/`);
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('<html');

    const account = (
      await json(`${api}/v1/accounts`, {
        method: 'POST',
        key: adminKey,
        body: JSON.stringify({ name: 'e2e' }),
      })
    ).body;
    const key = account.api_key as string;
    const webhook = (
      await json(`${api}/v1/webhooks`, {
        method: 'POST',
        key,
        body: JSON.stringify({ event_type: 'package.*', target_url: receiver.url, secret_key: 'e2e-secret' }),
      })
    ).body;
    const event = await json(`${api}/v1/events`, {
      method: 'POST',
      key,
      body: JSON.stringify({
        id: 'e2e-1',
        type: 'package.status.shipped',
        goods_owner_id: 'GO-1',
        payload: { id: 1 },
      }),
    });
    expect(event.status).toBe(202);
    await receiver.waitFor(1, 60_000);
    // webhook-id is Switchyard's message id; the client's id travels in the envelope's event.uuid.
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(event.body.message_id);
    expect(JSON.parse(receiver.requests[0]?.body ?? '{}').event.uuid).toBe('e2e-1');
    const delivery = await poll(async () => {
      const d = (await json(`${api}/v1/deliveries?event_id=e2e-1`, { key })).body.data[0];
      return d?.status === 'delivered' ? d : undefined;
    }, 'the delivery');

    // Operators find the run in the Web UI by its search attributes.
    const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      const client = new Client({ connection });
      const found = await poll(async () => {
        const ids: string[] = [];
        for await (const wf of client.workflow.list({ query: `SwitchyardWebhookId = "${webhook.id}"` }))
          ids.push(wf.workflowId);
        return ids.length ? ids : undefined;
      }, 'the delivery in visibility');
      expect(found).toEqual([delivery.workflow_id]);
    } finally {
      await connection.close();
    }

    // A delivery retrying against a closed port: its workflow waits out a countdown. By default the
    // worker collects no workflow stack traces (src/worker/workflowThread.cjs): the Web UI's Stack
    // Trace tab gets the SDK's own answer instead of a trace.
    expect(proc.output()).toContain('workflow stack traces off');
    await json(`${api}/v1/webhooks`, {
      method: 'POST',
      key,
      body: JSON.stringify({ event_type: 'order.*', target_url: `http://127.0.0.1:${await freePort()}/` }),
    });
    expect(
      (
        await json(`${api}/v1/events`, {
          method: 'POST',
          key,
          body: JSON.stringify({ id: 'e2e-2', type: 'order.created', payload: {} }),
        })
      ).status,
    ).toBe(202);
    const retrying = await poll(async () => {
      const d = (await json(`${api}/v1/deliveries?event_id=e2e-2`, { key })).body.data[0];
      return d?.status === 'pending' && d.attempts.length > 0 ? d : undefined;
    }, 'the retrying delivery');
    const stackTrace = async () => {
      const connection = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
      try {
        return await new Client({ connection }).workflow
          .getHandle(retrying.workflow_id)
          .query<string>('__stack_trace');
      } finally {
        await connection.close();
      }
    };
    await expect(stackTrace()).rejects.toThrow('Workflow stack traces are not enabled on this worker');

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(proc.output()).toContain('shutting down');
    expect(processesMatching(dataDir)).toEqual([]);
    // Temporal's SQLite file is in WAL mode (header bytes 18 and 19 are 2): no fsync per transaction.
    const header = readFileSync(join(dataDir, 'temporal.sqlite')).subarray(18, 20);
    expect([...header]).toEqual([2, 2]);

    // Restart on the same data dir: same admin key, accounts and Temporal history kept. This time
    // with workflow stack traces on: the waiting delivery's trace shows where it waits.
    proc = runScript('start', { ...env, SWITCHYARD_WORKFLOW_STACK_TRACES: 'true' });
    await proc.waitForOutput('Switchyard is running.');
    expect(proc.output()).toContain('workflow stack traces on');
    expect(await stackTrace()).toMatch(/at wait \(.*src\/workflows\/webhooks\/deliverWebhook\.ts:\d+:\d+\)/);
    expect(readFileSync(join(dataDir, 'admin-key'), 'utf8').trim()).toBe(adminKey);
    expect((await json(`${api}/v1/account`, { key })).body.id).toBe(account.id);
    const connection2 = await Connection.connect({ address: `127.0.0.1:${env.TEMPORAL_PORT}` });
    try {
      const described = await new Client({ connection: connection2 }).workflow
        .getHandle(delivery.workflow_id)
        .describe();
      expect(described.status.name).toBe('COMPLETED');
    } finally {
      await connection2.close();
    }
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(processesMatching(dataDir)).toEqual([]);
  });

  it('refuses bad configuration with one line per variable', async () => {
    const bad = runScript('start', {
      ...env,
      PORT: 'eighty',
      LOG_LEVEL: 'loud',
      DATABASE_URL: 'mysql://x',
      SWITCHYARD_RETENTION: '0s',
    });
    expect(await bad.exited).toBe(1);
    const lines = bad.output().trim().split('\n');
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}- PORT: must be a port number$/),
        expect.stringMatching(/^ {2}- LOG_LEVEL: /),
        expect.stringMatching(/^ {2}- DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL$/),
        expect.stringMatching(/^ {2}- SWITCHYARD_RETENTION: must be at least 1s$/),
      ]),
    );
  });
});

describe('API and worker as separate processes', () => {
  let dev: DevEnv;
  let tdb: TestDb;
  let receiver: Receiver;
  const procs: Proc[] = [];

  beforeAll(async () => {
    dev = await devServerEnv();
    tdb = await createTestDb('postgres');
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    for (const p of procs) await p.stop('SIGKILL');
    await receiver?.close();
    await tdb?.destroy();
    await dev?.stop();
  });

  it('needs DATABASE_URL and TEMPORAL_ADDRESS, and then delivers through both', async () => {
    const refused = runScript('start:api', { SWITCHYARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'sy-')) });
    expect(await refused.exited).toBe(1);
    expect(refused.output()).toContain(
      'DATABASE_URL is required when the API and the worker run as separate processes',
    );

    const port = await freePort();
    const common = {
      DATABASE_URL: tdb.url as string,
      TEMPORAL_ADDRESS: dev.address,
      SWITCHYARD_ADMIN_KEY: 'admin-key-for-the-split-test',
      SWITCHYARD_SECRET_KEY: 'secret-key-for-the-split-test',
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      SWITCHYARD_DATA_DIR: mkdtempSync(join(tmpdir(), 'sy-')),
    };
    const apiProc = runScript('start:api', { ...common, PORT: String(port) });
    const workerProc = runScript('start:worker', common);
    procs.push(apiProc, workerProc);
    await apiProc.waitForOutput('Switchyard is running.');
    await workerProc.waitForOutput('Switchyard is running.');
    expect(workerProc.output()).not.toContain('API          http');

    const api = `http://127.0.0.1:${port}`;
    const key = (
      await json(`${api}/v1/accounts`, {
        method: 'POST',
        key: common.SWITCHYARD_ADMIN_KEY,
        body: '{"name":"split"}',
      })
    ).body.api_key;
    const event = await subscribeAndPost(api, key, receiver.url, 'split-1');
    await receiver.waitFor(1, 60_000);
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(event.body.message_id);
    expect(await apiProc.stop()).toBe(0);
    expect(await workerProc.stop()).toBe(0);
  });
});
