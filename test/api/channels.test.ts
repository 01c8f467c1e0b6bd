import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { TASK_QUEUE } from '../../src/constants';
import { channelIds as ids } from '../../src/workflows/channels/contract';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { devServerEnv, type DevEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { createTestWorker } from '../support/worker';

const JOB = 'orders.import';
const webhookChannel = (url: string) => ({
  name: 'Allegro',
  kind: 'sales',
  release: 'beta',
  mode: 'webhook',
  connector: { url, headers: { 'X-Api-Key': 'key-123' }, secret_key: 'connector-secret' },
  webhook_jobs: { [JOB]: { delay: '5m', emergency_job_period: '1h' }, 'inventory.sync': { delay: null } },
});
const betaRecurring = (url: string) => ({
  name: 'Beta shop',
  kind: 'fulfillment',
  release: 'beta',
  mode: 'recurring',
  connector: { url },
  recurring_jobs: { [JOB]: { main_job_period: '8h', delay: '1h' } },
});

describe.each(testDatabaseKinds())('channels API on %s', (kind) => {
  let tdb: TestDb;
  let dev: DevEnv;
  let app: TestApp;
  let strictApp: TestApp;
  let stopWorker: () => Promise<void>;
  let key: string;
  let otherKey: string;
  // IP literals: no DNS, so the suite runs offline. The default test app allows private targets.
  const connector = 'https://93.184.215.14/connector';

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    dev = await devServerEnv();
    // A worker, so watchdogs process their signals and set their memo (emergency_due_at).
    const shim = {
      client: dev.client,
      nativeConnection: dev.nativeConnection,
    } as unknown as TestWorkflowEnvironment;
    const tw = await createTestWorker(shim, tdb.db, { timeSkipping: false, taskQueue: TASK_QUEUE });
    stopWorker = await tw.start();
    app = await startTestApp({ db: tdb.db, temporal: dev.client });
    strictApp = await startTestApp({
      db: tdb.db,
      temporal: dev.client,
      env: { SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'false' },
    });
    key = (await app.call('POST', '/v1/accounts', { body: { name: 'a' } })).body.api_key;
    otherKey = (await app.call('POST', '/v1/accounts', { body: { name: 'b' } })).body.api_key;
  });
  afterAll(async () => {
    await app?.close();
    await strictApp?.close();
    await stopWorker?.();
    await dev?.stop();
    await tdb?.destroy();
  });

  const create = (body: unknown, k = key) => app.call('POST', '/v1/channels', { key: k, body });
  const count = async (table: string) => Number((await tdb.db(table).count({ n: '*' }).first())?.n);
  const watchdog = (channelId: string) => dev.client.workflow.getHandle(ids.emergency(channelId, JOB));

  it('lists the job-type catalogue', async () => {
    const res = await app.call('GET', '/v1/job-types', { key });
    expect(res.status).toBe(200);
    expect(res.body.data.map((j: { type: string }) => j.type)).toEqual(
      expect.arrayContaining([
        'orders.import',
        'orders.update_status',
        'shipments.export',
        'inventory.sync',
        'products.import',
        'products.export',
        'auth.refresh',
      ]),
    );
    for (const j of res.body.data) expect(j.description.length).toBeGreaterThan(0);
  });

  it('creates a channel, shows the inbound token once and never returns connector secrets', async () => {
    const res = await create(webhookChannel(connector));
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      id: expect.stringMatching(/^chn_/),
      kind: 'sales',
      release: 'beta',
      mode: 'webhook',
      connector: { url: connector, header_names: ['X-Api-Key'], has_secret_key: true },
      webhook_jobs: {
        [JOB]: { delay: '5m', emergency_job_period: '1h' },
        'inventory.sync': { delay: null, emergency_job_period: null },
      },
      recurring_jobs: {},
      inbound_token: expect.stringMatching(/^syin_/),
    });
    const { id, inbound_token: token } = res.body;
    const got = await app.call('GET', `/v1/channels/${id}`, { key });
    expect(got.status).toBe(200);
    expect(got.body.inbound_token).toBeUndefined();
    const text = JSON.stringify([got.body, await tdb.db('channels').where({ id })]);
    for (const secret of ['key-123', 'connector-secret', token]) expect(text).not.toContain(secret);
    const row = await tdb.db('channels').where({ id }).first();
    expect(row.inbound_token_hash).toBe(createHash('sha256').update(token).digest('hex'));
    expect(JSON.parse(app.secrets.open(row.connector_headers))).toEqual({ 'X-Api-Key': 'key-123' });

    // The watchdog for the job type with an emergency period runs, and the jobs view reads it back.
    expect((await watchdog(id).describe()).status.name).toBe('RUNNING');
    const before = Date.now();
    const jobs = await waitUntil(
      'the jobs view shows the emergency deadline',
      () => app.call('GET', `/v1/channels/${id}/jobs`, { key }),
      (res) => Boolean(res.body.data.find((j: { type: string }) => j.type === JOB)?.emergency_due_at),
      { timeoutMs: 10_000, intervalMs: 100 },
    );
    const entry = jobs.body.data.find((j: { type: string }) => j.type === JOB);
    expect(entry).toMatchObject({
      mode: 'webhook',
      source: 'channel',
      schedule_id: null,
      next_run_times: [],
    });
    const due = Date.parse(entry.emergency_due_at) - before;
    expect(due).toBeGreaterThan(59 * 60_000);
    expect(due).toBeLessThanOrEqual(3_600_000);
    expect(
      jobs.body.data.find((j: { type: string }) => j.type === 'inventory.sync').emergency_due_at,
    ).toBeNull();
  });

  it('refuses each invalid channel setting with 422 and its path, writing nothing', async () => {
    const base = webhookChannel(connector);
    const channelsBefore = await count('channels');
    const cases: Array<[unknown, string]> = [
      [{ ...betaRecurring(connector), release: 'stable' }, 'recurring_jobs'],
      [
        { ...betaRecurring(connector), recurring_jobs: { [JOB]: { main_job_period: '8h', delay: '8h' } } },
        `recurring_jobs.${JOB}.delay`,
      ],
      [
        { ...betaRecurring(connector), recurring_jobs: { [JOB]: { main_job_period: '1h', delay: '2h' } } },
        `recurring_jobs.${JOB}.delay`,
      ],
      [
        { ...betaRecurring(connector), recurring_jobs: { [JOB]: { main_job_period: '1h', jitter: '1h' } } },
        `recurring_jobs.${JOB}.jitter`,
      ],
      [
        { ...betaRecurring(connector), recurring_jobs: { [JOB]: { delay: '1h' } } },
        `recurring_jobs.${JOB}.main_job_period`,
      ],
      [{ ...base, webhook_jobs: { [JOB]: { delay: '5 minutes' } } }, `webhook_jobs.${JOB}.delay`],
      [
        { ...base, webhook_jobs: { [JOB]: { emergency_job_period: '0s' } } },
        `webhook_jobs.${JOB}.emergency_job_period`,
      ],
      [{ ...base, webhook_jobs: { 'orders.teleport': { delay: null } } }, 'webhook_jobs.orders.teleport'],
      [{ ...base, webhook_jobs: { [JOB]: { delay: null, period: '1h' } } }, `webhook_jobs.${JOB}.period`],
      [{ ...base, kind: 'warehouse' }, 'kind'],
      [{ ...base, release: 'alpha' }, 'release'],
      [{ ...base, mode: 'push' }, 'mode'],
      [{ ...base, name: '' }, 'name'],
      [{ ...base, colour: 'red' }, 'colour'],
      [{ ...base, connector: { url: 'ftp://example.com/x' } }, 'connector.url'],
      [
        { ...base, connector: { url: connector, headers: { 'Content-Length': '1' } } },
        'connector.headers.Content-Length',
      ],
      [{ ...base, connector: { url: connector, secret_key: '' } }, 'connector.secret_key'],
      [{ ...base, connector: undefined }, 'connector'],
    ];
    for (const [body, path] of cases) {
      const res = await create(body);
      expect(res.status, path).toBe(422);
      expect(res.body.error.code).toBe('validation_failed');
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    // A private connector address is refused unless private targets are allowed.
    for (const url of ['http://127.0.0.1:9/x', 'http://10.1.2.3/x', 'http://169.254.169.254/latest']) {
      const res = await strictApp.call('POST', '/v1/channels', {
        key,
        body: { ...base, connector: { url } },
      });
      expect(res.status).toBe(422);
      expect(res.body.error.details[0].path).toBe('connector.url');
    }
    expect(await count('channels')).toBe(channelsBefore);
  });

  it('refuses invalid changes with 422 and leaves the channel and its schedule as they were', async () => {
    const stable = (await create({ ...webhookChannel(connector), release: 'stable' })).body;
    const res = await app.call('PATCH', `/v1/channels/${stable.id}`, {
      key,
      body: { recurring_jobs: { [JOB]: { main_job_period: '8h', delay: null } } },
    });
    expect(res.status).toBe(422);
    expect(res.body.error.details).toEqual([
      { path: 'recurring_jobs', message: expect.stringMatching(/beta/) },
    ]);

    const beta = (await create(betaRecurring(connector))).body;
    const scheduleId = ids.betaSchedule(beta.id, JOB);
    const described = await dev.client.schedule.getHandle(scheduleId).describe();
    for (const [body, path] of [
      [{ release: 'stable' }, 'recurring_jobs'],
      [{ recurring_jobs: { [JOB]: { main_job_period: '2h', delay: '3h' } } }, `recurring_jobs.${JOB}.delay`],
      [{ connector: { url: 'not a url' } }, 'connector.url'],
      [{ mode: 'sometimes' }, 'mode'],
    ] as const) {
      const r = await app.call('PATCH', `/v1/channels/${beta.id}`, { key, body });
      expect(r.status, path).toBe(422);
      expect(r.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    const after = await app.call('GET', `/v1/channels/${beta.id}`, { key });
    expect(after.body).toEqual((({ inbound_token: _t, ...rest }) => rest)(beta));
    const again = await dev.client.schedule.getHandle(scheduleId).describe();
    expect(again.spec).toEqual(described.spec);
    expect(again.info.lastUpdatedAt).toEqual(described.info.lastUpdatedAt);
  });

  it('answers inbound webhooks: 401 for a wrong token, 404 for an unknown channel, 409 for mode or job type', async () => {
    const ch = (await create(webhookChannel(connector))).body;
    const recurring = (await create(betaRecurring(connector))).body;
    const inbound = (
      channelId: string,
      jobType: string,
      token: string | null,
      body: unknown = { order: 1 },
    ) => app.call('POST', `/v1/inbound/${channelId}/${jobType}`, { key: token, body });

    expect((await inbound(ch.id, JOB, 'syin_wrong')).status).toBe(401);
    expect((await inbound(ch.id, JOB, null)).status).toBe(401);
    expect((await inbound(ch.id, JOB, key)).status).toBe(401); // an API key is not the inbound token
    expect((await inbound(ch.id, JOB, recurring.inbound_token)).status).toBe(401); // another channel's token
    expect((await inbound('chn_missing', JOB, ch.inbound_token)).status).toBe(404);
    const wrongMode = await inbound(recurring.id, JOB, recurring.inbound_token);
    expect(wrongMode.status).toBe(409);
    expect(wrongMode.body.error.message).toMatch(/recurring mode/);
    expect((await inbound(ch.id, 'products.export', ch.inbound_token)).status).toBe(409);
    expect((await inbound(ch.id, 'no.such.job', ch.inbound_token)).status).toBe(409);
    expect(await tdb.db('job_runs').where({ channel_id: ch.id })).toHaveLength(0);

    // Accepted: the job waits out its 5-minute delay; a second webhook joins the same run.
    const first = await inbound(ch.id, JOB, ch.inbound_token, { order: 'A' });
    expect(first.status).toBe(202);
    expect(first.body.job_run_id).toMatch(/^jrun_/);
    const second = await inbound(ch.id, JOB, ch.inbound_token, { order: 'B' });
    expect(second.body.job_run_id).toBe(first.body.job_run_id);
    const run = await app.call('GET', `/v1/job-runs/${first.body.job_run_id}`, { key });
    expect(run.body).toMatchObject({
      channel_id: ch.id,
      job_type: JOB,
      trigger: 'webhook',
      status: 'pending',
      attempts: 0,
      trigger_count: 2,
      trigger_payloads: [{ order: 'A' }, { order: 'B' }],
      workflow_id: `job-run:${first.body.job_run_id}`,
    });
    const waiting = await dev.client.workflow.getHandle(ids.webhookJob(ch.id, JOB)).describe();
    expect(waiting.status.name).toBe('RUNNING');
    // Another account sees none of it.
    expect((await app.call('GET', `/v1/job-runs/${first.body.job_run_id}`, { key: otherKey })).status).toBe(
      404,
    );
  });

  it('starts manual runs and filters the job-run log', async () => {
    const ch = (await create({ ...webhookChannel(connector), mode: 'recurring' })).body;
    const run = await app.call('POST', `/v1/channels/${ch.id}/jobs/inventory.sync/run`, { key });
    expect(run.status).toBe(202);
    const row = await tdb.db('job_runs').where({ id: run.body.job_run_id }).first();
    expect(row).toMatchObject({ trigger: 'manual', job_type: 'inventory.sync', channel_id: ch.id });
    expect((await app.call('POST', `/v1/channels/${ch.id}/jobs/no.such/run`, { key })).status).toBe(404);
    expect((await app.call('POST', `/v1/channels/${ch.id}/jobs/${JOB}/run`, { key: otherKey })).status).toBe(
      404,
    );

    const list = await app.call('GET', `/v1/job-runs?channel_id=${ch.id}&trigger=manual`, { key });
    expect(list.status).toBe(200);
    expect(list.body.data.map((r: { id: string }) => r.id)).toEqual([run.body.job_run_id]);
    expect(list.body.data[0].trigger_payloads).toBeUndefined();
    expect(
      (await app.call('GET', `/v1/job-runs?channel_id=${ch.id}&trigger=webhook`, { key })).body.data,
    ).toEqual([]);
    expect((await app.call('GET', '/v1/job-runs', { key: otherKey })).body.data).toEqual([]);
    const bad = await app.call('GET', '/v1/job-runs?status=sleeping', { key });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details[0].path).toBe('status');
  });

  it('reconciles at once on PATCH (mode, periods, connector) and removes everything on DELETE', async () => {
    const ch = (await create(webhookChannel(connector))).body;
    expect((await watchdog(ch.id).describe()).status.name).toBe('RUNNING');

    // Switching to recurring mode stops the watchdog and creates the beta schedule.
    const patched = await app.call('PATCH', `/v1/channels/${ch.id}`, {
      key,
      body: {
        mode: 'recurring',
        recurring_jobs: { [JOB]: { main_job_period: '8h', delay: '1h' } },
        connector: { secret_key: null },
      },
    });
    expect(patched.status).toBe(200);
    expect(patched.body).toMatchObject({
      mode: 'recurring',
      connector: { has_secret_key: false, header_names: ['X-Api-Key'] },
    });
    expect(await watchdog(ch.id).result()).toBe('stopped');
    const schedule = await dev.client.schedule.getHandle(ids.betaSchedule(ch.id, JOB)).describe();
    expect(schedule.spec.intervals).toEqual([{ every: 8 * 3_600_000, offset: 7 * 3_600_000 }]);
    const jobs = await app.call('GET', `/v1/channels/${ch.id}/jobs`, { key });
    expect(jobs.body.data).toEqual([
      expect.objectContaining({
        type: JOB,
        mode: 'recurring',
        schedule_id: ids.betaSchedule(ch.id, JOB),
        next_run_times: schedule.info.nextActionTimes.slice(0, 3).map((d) => d.toISOString()),
      }),
    ]);

    const deleted = await app.call('DELETE', `/v1/channels/${ch.id}`, { key });
    expect(deleted.status).toBe(204);
    await expect(
      dev.client.schedule.getHandle(ids.betaSchedule(ch.id, JOB)).describe(),
    ).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await app.call('GET', `/v1/channels/${ch.id}`, { key })).status).toBe(404);
    expect((await app.call('DELETE', `/v1/channels/${ch.id}`, { key })).status).toBe(404);
  });

  it('deleting a webhook-mode channel stops its watchdog; other accounts get 404', async () => {
    const ch = (await create(webhookChannel(connector))).body;
    for (const [method, path] of [
      ['GET', `/v1/channels/${ch.id}`],
      ['PATCH', `/v1/channels/${ch.id}`],
      ['DELETE', `/v1/channels/${ch.id}`],
      ['GET', `/v1/channels/${ch.id}/jobs`],
    ] as const) {
      const res = await app.call(method, path, {
        key: otherKey,
        ...(method === 'PATCH' ? { body: { name: 'x' } } : {}),
      });
      expect(res.status, `${method} ${path}`).toBe(404);
    }
    expect((await app.call('DELETE', `/v1/channels/${ch.id}`, { key })).status).toBe(204);
    expect(await watchdog(ch.id).result()).toBe('stopped');
    const list = await app.call('GET', '/v1/channels?mode=webhook', { key });
    expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(ch.id);
  });

  it('refuses invalid account recurring jobs with 422 and its path', async () => {
    for (const [body, path] of [
      [{ period: '8h', shift: '8h' }, 'shift'],
      [{ period: '5m', shift: 'minimal' }, 'shift'],
      [{ period: '8h', shift: 'sometimes' }, 'shift'],
      [{ period: '0s' }, 'period'],
      [{ period: '1h', jitter: '2h' }, 'jitter'],
      [{ shift: null }, 'period'],
      [{ period: '1h', enabled: 'yes' }, 'enabled'],
      [{ period: '1h', extra: 1 }, 'extra'],
    ] as const) {
      const res = await app.call('PUT', `/v1/recurring-jobs/${JOB}`, { key, body });
      expect(res.status, path).toBe(422);
      expect(res.body.error.details.map((d: { path: string }) => d.path)).toContain(path);
    }
    expect(
      (await app.call('PUT', '/v1/recurring-jobs/no.such', { key, body: { period: '1h' } })).status,
    ).toBe(404);
    expect(await tdb.db('account_recurring_jobs')).toHaveLength(0);
    const list = await app.call('GET', '/v1/recurring-jobs', { key });
    expect(list.body.data).toHaveLength(7);
    expect(list.body.data[0]).toMatchObject({
      enabled: false,
      period: null,
      schedule_id: null,
      next_run_times: [],
    });
  });
});
