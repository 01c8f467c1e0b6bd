import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { ScheduleNotFoundError, ScheduleOverlapPolicy } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_QUEUE } from '../../src/constants';
import { channelIds as ids } from '../../src/workflows/channels/contract';
import { betaInterval, nextFireTimes, stableInterval } from '../../src/rules/schedules';
import { startTestApp, type TestApp } from '../support/app';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { Receiver } from '../support/receiver';
import { devServerEnv, type DevEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { createTestWorker } from '../support/worker';
import { createChannelsService } from '../../src/services/channels';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';

const H = 3_600_000;
const JOB = 'orders.import';

/**
 * Recurring jobs against a real dev server: the Schedules' next fire times are read back from
 * Temporal (what GET answers) and compared with the schedule math of the design.
 */
describe.each(testDatabaseKinds())('recurring-job schedules on %s', (kind) => {
  let tdb: TestDb;
  let dev: DevEnv;
  let app: TestApp;
  let receiver: Receiver;
  let stopWorker: () => Promise<void>;
  let key: string;
  let accountId: string;

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    dev = await devServerEnv();
    receiver = await Receiver.start((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.path }));
    });
    const shim = {
      client: dev.client,
      nativeConnection: dev.nativeConnection,
    } as unknown as TestWorkflowEnvironment;
    const tw = await createTestWorker(shim, tdb.db, { timeSkipping: false, taskQueue: TASK_QUEUE });
    stopWorker = await tw.start();
    app = await startTestApp({ db: tdb.db, temporal: dev.client });
    const account = (await app.call('POST', '/v1/accounts', { body: { name: 'sched' } })).body;
    key = account.api_key;
    accountId = account.id;
  });
  afterAll(async () => {
    await app?.close();
    await stopWorker?.();
    await receiver?.close();
    await dev?.stop();
    await tdb?.destroy();
  });

  const put = (jobType: string, body: unknown) =>
    app.call('PUT', `/v1/recurring-jobs/${jobType}`, { key, body });
  const describeSchedule = (id: string) => dev.client.schedule.getHandle(id).describe();
  const iso = (dates: Date[]) => dates.map((d) => d.toISOString());
  const channel = async (body: Record<string, unknown>) =>
    (
      await app.call('POST', '/v1/channels', {
        key,
        body: { name: 'c', kind: 'sales', connector: { url: `${receiver.url}/c` }, ...body },
      })
    ).body;

  /** `times` are the next fires after some instant in [before, after] (a boundary may pass mid-call). */
  function expectNextFires(times: string[], every: number, offset: number, before: number, after: number) {
    const candidates = [
      iso(nextFireTimes(every, offset, before, 3)),
      iso(nextFireTimes(every, offset, after, 3)),
    ];
    expect(candidates).toContainEqual(times);
  }

  it.each([
    ['None', '8h', null, 0],
    ['minimal (5 minutes)', '8h', 'minimal', 5 * 60_000],
    ['explicit 2h', '8h', '2h', 2 * H],
    ['explicit 90s on a 15-minute period', '15m', '90s', 90_000],
  ] as const)(
    'stable Period + Shift %s: next_run_times read back from Temporal',
    async (_n, period, shift, offset) => {
      const jobType =
        shift === null
          ? 'orders.update_status'
          : shift === 'minimal'
            ? 'shipments.export'
            : period === '8h'
              ? 'products.import'
              : 'products.export';
      const before = Date.now();
      const res = await put(jobType, { enabled: true, period, shift });
      const after = Date.now();
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        job_type: jobType,
        enabled: true,
        period,
        shift,
        schedule_id: ids.stableSchedule(accountId, jobType),
      });
      const { everyMs, offsetMs } = stableInterval(period, shift);
      expect(offsetMs).toBe(offset);
      expectNextFires(res.body.next_run_times, everyMs, offsetMs, before, after);

      const d = await describeSchedule(ids.stableSchedule(accountId, jobType));
      expect(d.spec.intervals).toEqual([{ every: everyMs, offset: offsetMs }]);
      expect(d.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: everyMs });
      expect(d.state.paused).toBe(false);
      expect(iso(d.info.nextActionTimes.slice(0, 3))).toEqual(res.body.next_run_times);
      const got = await app.call('GET', `/v1/recurring-jobs/${jobType}`, { key });
      expect(got.body.next_run_times).toEqual(res.body.next_run_times);
    },
  );

  it("beta Main Job Period + Delay: the seed's 8 h with a 1 h delay fires at 07:00, 15:00 and 23:00 UTC", async () => {
    const before = Date.now();
    const ch = await channel({
      release: 'beta',
      mode: 'recurring',
      recurring_jobs: { [JOB]: { main_job_period: '8h', delay: '1h' } },
    });
    const after = Date.now();
    const jobs = await app.call('GET', `/v1/channels/${ch.id}/jobs`, { key });
    const [entry] = jobs.body.data;
    expect(entry).toMatchObject({
      type: JOB,
      mode: 'recurring',
      source: 'channel',
      schedule_id: ids.betaSchedule(ch.id, JOB),
    });
    expect(entry.next_run_times).toHaveLength(3);
    expect(
      entry.next_run_times
        .map((t: string) => new Date(t).getUTCHours())
        .sort((a: number, b: number) => a - b),
    ).toEqual([7, 15, 23]);
    for (const t of entry.next_run_times) expect(t).toMatch(/T(07|15|23):00:00\.000Z$/);
    expectNextFires(entry.next_run_times, 8 * H, 7 * H, before, after);

    const { everyMs, offsetMs } = betaInterval('24h', '30m');
    const other = await channel({
      release: 'beta',
      mode: 'recurring',
      recurring_jobs: { [JOB]: { main_job_period: '1d', delay: '30m' } },
    });
    const times = (await app.call('GET', `/v1/channels/${other.id}/jobs`, { key })).body.data[0]
      .next_run_times;
    for (const t of times) expect(t).toMatch(/T23:30:00\.000Z$/);
    expect(offsetMs).toBe(23.5 * H);
    expect(everyMs).toBe(24 * H);
  });

  it('jitter keeps each fire time within [time, time + jitter]', async () => {
    const before = Date.now();
    const res = await put('auth.refresh', { period: '1h', shift: null, jitter: '10m' });
    expect(res.status).toBe(200);
    const plain = nextFireTimes(H, 0, before, 4).map((d) => d.getTime());
    for (const t of res.body.next_run_times.map((s: string) => Date.parse(s))) {
      expect(plain.some((p) => t >= p && t <= p + 10 * 60_000)).toBe(true);
    }
    expect((await describeSchedule(ids.stableSchedule(accountId, 'auth.refresh'))).spec.jitter).toBe(
      10 * 60_000,
    );
  });

  it('None removes the schedule and enabled: false pauses it', async () => {
    const id = ids.stableSchedule(accountId, 'inventory.sync');
    expect((await put('inventory.sync', { enabled: true, period: '4h', shift: null })).status).toBe(200);

    const paused = await put('inventory.sync', { enabled: false, period: '4h', shift: null });
    expect(paused.body).toMatchObject({ enabled: false, schedule_id: id, next_run_times: [] });
    expect((await describeSchedule(id)).state.paused).toBe(true);
    const resumed = await put('inventory.sync', { enabled: true, period: '4h', shift: null });
    expect((await describeSchedule(id)).state.paused).toBe(false);
    expect(resumed.body.next_run_times).toHaveLength(3);

    const removed = await put('inventory.sync', { enabled: true, period: null, shift: null });
    expect(removed.body).toMatchObject({ period: null, schedule_id: null, next_run_times: [] });
    await expect(describeSchedule(id)).rejects.toBeInstanceOf(ScheduleNotFoundError);

    // Beta: a null main_job_period removes that job type's schedule too.
    const ch = await channel({
      release: 'beta',
      mode: 'recurring',
      recurring_jobs: { [JOB]: { main_job_period: '2h', delay: null } },
    });
    await describeSchedule(ids.betaSchedule(ch.id, JOB));
    const patched = await app.call('PATCH', `/v1/channels/${ch.id}`, {
      key,
      body: { recurring_jobs: { [JOB]: { main_job_period: null, delay: null } } },
    });
    expect(patched.status).toBe(200);
    await expect(describeSchedule(ids.betaSchedule(ch.id, JOB))).rejects.toBeInstanceOf(
      ScheduleNotFoundError,
    );
    const jobs = await app.call('GET', `/v1/channels/${ch.id}/jobs`, { key });
    expect(jobs.body.data[0]).toMatchObject({ schedule_id: null, next_run_times: [] });
  });

  it('a stable change leaves beta schedules alone, and a beta change leaves stable ones alone', async () => {
    const ch = await channel({
      release: 'beta',
      mode: 'recurring',
      recurring_jobs: { [JOB]: { main_job_period: '8h', delay: '1h' } },
    });
    await put(JOB, { period: '6h', shift: 'minimal' });
    const beta = await describeSchedule(ids.betaSchedule(ch.id, JOB));
    const stable = await describeSchedule(ids.stableSchedule(accountId, JOB));

    await put(JOB, { period: '12h', shift: '1h' });
    await put(JOB, { enabled: false, period: '12h', shift: '1h' });
    const betaAfter = await describeSchedule(ids.betaSchedule(ch.id, JOB));
    expect(betaAfter.info.lastUpdatedAt).toEqual(beta.info.lastUpdatedAt);
    expect(betaAfter.spec).toEqual(beta.spec);
    expect(betaAfter.state.paused).toBe(false);

    const stableNow = await describeSchedule(ids.stableSchedule(accountId, JOB));
    await app.call('PATCH', `/v1/channels/${ch.id}`, {
      key,
      body: { recurring_jobs: { [JOB]: { main_job_period: '4h', delay: '1h' } } },
    });
    await app.call('DELETE', `/v1/channels/${ch.id}`, { key });
    const stableAfter = await describeSchedule(ids.stableSchedule(accountId, JOB));
    expect(stableAfter.info.lastUpdatedAt).toEqual(stableNow.info.lastUpdatedAt);
    expect(stableAfter.spec).toEqual(stableNow.spec);
    expect(stable.spec.intervals).toEqual([{ every: 6 * H, offset: 5 * 60_000 }]);
  });

  it('a triggered stable schedule runs the job once per stable channel in recurring mode and records the runs', async () => {
    const a = await channel({
      release: 'stable',
      mode: 'recurring',
      connector: { url: `${receiver.url}/a` },
    });
    const b = await channel({
      release: 'stable',
      mode: 'recurring',
      connector: { url: `${receiver.url}/b` },
    });
    const webhookMode = await channel({
      release: 'stable',
      mode: 'webhook',
      connector: { url: `${receiver.url}/w` },
    });
    const beta = await channel({
      release: 'beta',
      mode: 'recurring',
      connector: { url: `${receiver.url}/beta` },
    });
    expect((await put('products.export', { period: '1d', shift: '2h' })).status).toBe(200);
    await dev.client.schedule.getHandle(ids.stableSchedule(accountId, 'products.export')).trigger();

    const rows = await waitForRuns({ job_type: 'products.export', trigger: 'recurring' }, 2);
    expect(rows.map((r) => r.channel_id).sort()).toEqual([a.id, b.id].sort());
    for (const r of rows) {
      expect(r).toMatchObject({ status: 'succeeded', attempts: 1, status_code: 200 });
      expect(r.result).toEqual({ path: r.channel_id === a.id ? '/a' : '/b' });
      expect(r.scheduled_for).not.toBeNull();
    }
    const paths = receiver.requests
      .filter((q) => JSON.parse(q.body).job_run.job_type === 'products.export')
      .map((q) => q.path);
    expect(paths.sort()).toEqual(['/a', '/b']);
    expect(await tdb.db('job_runs').whereIn('channel_id', [webhookMode.id, beta.id])).toHaveLength(0);
    const listed = await app.call('GET', '/v1/job-runs?trigger=recurring&job_type=products.export', { key });
    expect(listed.body.data).toHaveLength(2);
  });

  it('a triggered beta schedule runs the job for its own channel', async () => {
    const ch = await channel({
      release: 'beta',
      mode: 'recurring',
      connector: { url: `${receiver.url}/own` },
      recurring_jobs: { 'shipments.export': { main_job_period: '8h', delay: '1h' } },
    });
    await dev.client.schedule.getHandle(ids.betaSchedule(ch.id, 'shipments.export')).trigger();
    const [row] = await waitForRuns({ channel_id: ch.id, trigger: 'recurring' }, 1);
    expect(row).toMatchObject({
      job_type: 'shipments.export',
      status: 'succeeded',
      result: { path: '/own' },
    });
    const sent = receiver.requests.find((q) => q.path === '/own')!;
    expect(JSON.parse(sent.body)).toMatchObject({
      job_run: {
        id: row.id,
        job_type: 'shipments.export',
        trigger: 'recurring',
        channel_id: ch.id,
        account_id: accountId,
      },
      trigger_payloads: [],
    });
  });

  it('start-up reconciliation recreates what is missing, removes orphans, and is idempotent', async () => {
    const ch = await channel({
      release: 'beta',
      mode: 'recurring',
      recurring_jobs: { [JOB]: { main_job_period: '8h', delay: null } },
    });
    const betaId = ids.betaSchedule(ch.id, JOB);
    await dev.client.schedule.getHandle(betaId).delete(); // drift: Temporal lost it
    const ghostSchedule = ids.betaSchedule('chn_ghost', JOB);
    const channels = createChannelsService({
      db: tdb.db,
      temporal: dev.client,
      config: app.config,
      logger: createLogger('silent'),
      metrics: createMetrics(),
      secrets: app.secrets,
    });
    await channels.automation.syncSchedule(ghostSchedule, {
      scheduleId: ghostSchedule,
      input: { accountId, jobType: JOB, release: 'beta', channelId: 'chn_ghost' },
      interval: { everyMs: H, offsetMs: 0 },
      jitterMs: null,
      paused: false,
    });
    await channels.automation.syncWatchdog({ accountId, channelId: 'chn_ghost', jobType: JOB, periodMs: H });
    const foreign = 'someone-else:orders';
    await dev.client.schedule.create({
      scheduleId: foreign,
      spec: { intervals: [{ every: H }] },
      action: { type: 'startWorkflow', workflowType: 'noopWorkflow', taskQueue: 'elsewhere' },
    });

    // Visibility is eventually consistent: the orphans show up in the lists after a moment.
    let removed = 0;
    await waitUntil(
      'reconciliation removes the orphan schedule',
      async () => (removed += (await channels.reconcileAll()).schedules.removed) >= 1,
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    await expect(describeSchedule(ghostSchedule)).rejects.toBeInstanceOf(ScheduleNotFoundError);
    expect((await describeSchedule(betaId)).spec.intervals).toEqual([{ every: 8 * H, offset: 0 }]);
    await describeSchedule(foreign); // not ours: left alone
    const ghostWatchdog = dev.client.workflow.getHandle(ids.emergency('chn_ghost', JOB));
    await waitUntil(
      'reconciliation stops the orphan watchdog',
      async () => {
        if ((await ghostWatchdog.describe()).status.name !== 'RUNNING') return true;
        await channels.reconcileAll();
        return false;
      },
      { timeoutMs: 10_000, intervalMs: 200 },
    );
    expect(await ghostWatchdog.result()).toBe('stopped');

    const before = await describeSchedule(betaId);
    const again = await channels.reconcileAll();
    expect(again).toMatchObject({ schedules: { removed: 0 }, watchdogs: { stopped: 0 }, errors: 0 });
    expect((await describeSchedule(betaId)).info.lastUpdatedAt).toEqual(before.info.lastUpdatedAt);
  });

  async function waitForRuns(where: Record<string, string>, n: number) {
    return waitUntil(
      `${n} job runs ${JSON.stringify(where)} finish`,
      () => tdb.db('job_runs').where(where),
      (rows) => rows.length >= n && rows.every((r) => r.status === 'succeeded' || r.status === 'failed'),
      { intervalMs: 100 },
    );
  }
});
