// The `switchyard-retention` Schedule against a real dev server, made by the service's own start-up
// (src/runtime.ts, API and worker in this process): created when missing, brought up to date when
// SWITCHYARD_RETENTION changes, and, triggered, running purgeRetention on the worker.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ScheduleOverlapPolicy, type ScheduleDescription } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/config';
import { TASK_QUEUE } from '../../src/constants';
import { start, type Running } from '../../src/runtime';
import { createRetentionService, syncRetentionSchedule } from '../../src/services/retention';
import type { Logger } from '../../src/logger';
import { installRuntime } from '../../src/worker';
import { RETENTION_SCHEDULE_ID, type PurgeRetentionResult } from '../../src/workflows/retention/contract';
import { SecretBox } from '../../src/secrets';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertWebhook } from '../support/fixtures';
import { devServerEnv, freePort, type DevEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';

const S = 1_000;
const H = 3_600 * S;
const D = 24 * H;

describe.each(testDatabaseKinds())('the retention schedule, %s', (kind) => {
  let dev: DevEnv;
  let tdb: TestDb | undefined;
  let dataDir: string;
  let running: Running | undefined;

  beforeAll(async () => {
    installRuntime('warn'); // before the test's own connections, as start-up does before its own
    dev = await devServerEnv();
    dataDir = mkdtempSync(join(tmpdir(), 'switchyard-retention-'));
    if (kind === 'postgres') tdb = await createTestDb('postgres', { migrate: false });
  });
  afterAll(async () => {
    await running?.stop();
    await tdb?.destroy();
    await dev?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** `npm start` as it runs in production, on this dev server and database. */
  async function startService(retention: string): Promise<Running> {
    await running?.stop();
    const config = loadConfig({
      TEMPORAL_ADDRESS: dev.address,
      ...(tdb?.url ? { DATABASE_URL: tdb.url } : {}),
      SWITCHYARD_DATA_DIR: dataDir,
      HOST: '127.0.0.1',
      PORT: String(await freePort()),
      LOG_LEVEL: 'silent',
      SWITCHYARD_RETENTION: retention,
    });
    running = await start(config, { api: true, worker: true });
    return running;
  }

  const handle = () => dev.client.schedule.getHandle(RETENTION_SCHEDULE_ID);
  const describeWhen = (what: string, done: (d: ScheduleDescription) => boolean) =>
    waitUntil(
      what,
      () =>
        handle()
          .describe()
          .catch(() => undefined),
      (d) => d !== undefined && done(d),
      { timeoutMs: 30_000, intervalMs: 200 },
    ) as Promise<ScheduleDescription>;
  const retentionOf = (d: ScheduleDescription) =>
    d.action.type === 'startWorkflow'
      ? (d.action.args?.[0] as { retentionMs: number }).retentionMs
      : undefined;

  it('start-up creates it: daily at 03:00 UTC, starting purgeRetention with SWITCHYARD_RETENTION', async () => {
    await startService('30d');
    const d = await describeWhen('start-up creates the schedule', () => true);
    expect(d.scheduleId).toBe('switchyard-retention');
    expect(d.spec.intervals).toEqual([{ every: D, offset: 3 * H }]);
    expect(d.spec.calendars ?? []).toEqual([]);
    expect(d.policies).toMatchObject({ overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: D });
    expect(d.state.paused).toBe(false);
    expect(d.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: 'purgeRetention',
      workflowId: 'switchyard-retention',
      taskQueue: TASK_QUEUE,
      args: [{ retentionMs: 30 * D }],
    });
    // Daily: the next fires are a day apart, each at 03:00 UTC, the first within a day.
    const next = d.info.nextActionTimes.slice(0, 3).map((t) => t.getTime());
    expect(next).toHaveLength(3);
    expect(next[1]! - next[0]!).toBe(D);
    expect(next[2]! - next[1]!).toBe(D);
    for (const t of next) expect(new Date(t).toISOString()).toMatch(/T03:00:00\.000Z$/);
    expect(next[0]! - Date.now()).toBeLessThanOrEqual(D);
  });

  it('the next start-up with another SWITCHYARD_RETENTION brings it up to date; the same one leaves it alone', async () => {
    const before = await handle().describe();
    await startService('1s');
    const d = await describeWhen('start-up updates the retention', (x) => retentionOf(x) === S);
    expect(d.spec).toEqual(before.spec);
    expect(d.info.createdAt).toEqual(before.info.createdAt);

    const target = { retentionMs: S, taskQueue: TASK_QUEUE };
    expect(await syncRetentionSchedule(dev.client, target)).toBe('unchanged');
    expect((await handle().describe()).info.lastUpdatedAt).toEqual(d.info.lastUpdatedAt);

    // An operator's pause stays through a reconcile that changes the action.
    await handle().pause('paused by an operator');
    expect(await syncRetentionSchedule(dev.client, { ...target, retentionMs: 2 * S })).toBe('updated');
    const paused = await handle().describe();
    expect(paused.state).toMatchObject({ paused: true, note: 'paused by an operator' });
    expect(retentionOf(paused)).toBe(2 * S);
    await handle().unpause();
    expect(await syncRetentionSchedule(dev.client, target)).toBe('updated');
  });

  it('warns when the namespace keeps closed workflows as long as SWITCHYARD_RETENTION or longer', async () => {
    // The dev server's namespace keeps them for a day.
    const logged = async (retention: string) => {
      const logger = { info: vi.fn(), warn: vi.fn() };
      const service = createRetentionService({
        temporal: dev.client,
        config: loadConfig({ SWITCHYARD_RETENTION: retention }),
        logger: logger as unknown as Logger,
      });
      await service.reconcileSchedule();
      return logger;
    };
    const short = await logged('1d');
    expect(short.warn).toHaveBeenCalledWith(
      { namespace: 'default', namespaceRetention: '1d', retention: '1d' },
      expect.stringMatching(/^Temporal keeps closed workflows at least as long as SWITCHYARD_RETENTION/),
    );
    const long = await logged('2d');
    expect(long.warn).not.toHaveBeenCalled();
    expect(long.info).toHaveBeenCalledWith(
      { scheduleId: RETENTION_SCHEDULE_ID, retention: '2d', outcome: 'updated' },
      'retention schedule reconciled with Temporal',
    );
    expect(await syncRetentionSchedule(dev.client, { retentionMs: S, taskQueue: TASK_QUEUE })).toBe(
      'updated',
    );
  });

  it('triggered, it runs purgeRetention, which purges what finished longer ago than the retention and nothing pending', async () => {
    const db = running!.db;
    const old = new Date(Date.now() - H);
    await db('accounts').insert({ id: 'acc_r', name: 'r' });
    const webhookId = await insertWebhook(db, new SecretBox('retention-schedule-test'), 'acc_r', {
      target_url: 'https://example.com/hooks',
    });
    const event = (id: string) => ({
      account_id: 'acc_r',
      id,
      seq: `evt_${id}`,
      message_id: `msg_${id}`,
      type: 'package.created',
      occurred_at: old,
      payload: '{}',
      request_hash: 'h',
      created_at: old,
      dispatched_at: old,
    });
    await db('events').insert([event('e-done'), event('e-pending')]);
    const delivery = (id: string, eventId: string, status: string, finishedAt: Date | null) => ({
      id,
      account_id: 'acc_r',
      event_id: eventId,
      webhook_id: webhookId,
      status,
      workflow_id: `delivery:${eventId}:${webhookId}`,
      created_at: old,
      finished_at: finishedAt,
    });
    await db('deliveries').insert([
      delivery('dlv_done', 'e-done', 'delivered', old),
      delivery('dlv_pending', 'e-pending', 'pending', null),
    ]);
    await db('delivery_attempts').insert({
      delivery_id: 'dlv_done',
      number: 1,
      cycle: 1,
      started_at: old,
      duration_ms: 5,
      status_code: 200,
    });
    const run = (id: string, status: string, finishedAt: Date | null) => ({
      id,
      account_id: 'acc_r',
      channel_id: 'chn_r',
      job_type: 'orders.import',
      trigger: 'manual',
      status,
      finished_at: finishedAt,
      created_at: old,
    });
    await db('job_runs').insert([run('jrun_done', 'succeeded', old), run('jrun_running', 'running', null)]);

    const before = (await handle().describe()).info.recentActions.length;
    await handle().trigger();
    const d = await describeWhen('the trigger starts a run', (x) => x.info.recentActions.length > before);
    const action = d.info.recentActions.at(-1)!.action;
    expect(action.workflow.workflowId).toMatch(/^switchyard-retention-/);
    const result = (await dev.client.workflow
      .getHandle(action.workflow.workflowId, action.workflow.firstExecutionRunId)
      .result()) as PurgeRetentionResult;
    expect(result).toMatchObject({ deliveries: 1, attempts: 1, events: 1, jobRuns: 1 });
    expect(Date.parse(result.cutoff)).toBeGreaterThan(old.getTime());

    expect(await db('deliveries').where({ account_id: 'acc_r' }).pluck('id')).toEqual(['dlv_pending']);
    expect(await db('delivery_attempts').where({ delivery_id: 'dlv_done' })).toEqual([]);
    expect(await db('events').where({ account_id: 'acc_r' }).pluck('id')).toEqual(['e-pending']);
    expect(await db('job_runs').where({ account_id: 'acc_r' }).pluck('id')).toEqual(['jrun_running']);
  });
});
