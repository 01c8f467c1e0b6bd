import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  channelIds as ids,
  channelWorkflowTypes,
  type EmergencyWatchdogWorkflow,
  type RecurringJobWorkflow,
} from '../../src/workflows/channels/contract';
import type { Db } from '../../src/db/knex';
import { verifySignature } from '../../src/rules/signature';
import { createChannelsService, type CreateChannelInput } from '../../src/services/channels';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import { createTestDb, type TestDb } from '../support/db';
import { insertAccount } from '../support/fixtures';
import { Receiver, type Received } from '../support/receiver';
import { timeSkippingEnv } from '../support/temporal';
import { waitUntil } from '../support/waitUntil';
import { createTestWorker, type TestWorker } from '../support/worker';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const JOB = 'orders.import';

let env: TestWorkflowEnvironment;
let tdb: TestDb;
let db: Db;
let receiver: Receiver;
let tw: TestWorker;
let stopWorker: () => Promise<void>;
let accountId: string;
let svc: ReturnType<typeof createChannelsService>;
let created: string[] = [];

// One worker for the file: a workflow left running by one test (a watchdog, a retrying run) must
// never hold up the shared time-skipping clock for the next. Each test gets its own connector.
beforeAll(async () => {
  env = await timeSkippingEnv();
  tdb = await createTestDb('pglite');
  db = tdb.db;
  accountId = await insertAccount(db);
  tw = await createTestWorker(env, db);
  stopWorker = await tw.start();
  svc = createChannelsService(
    {
      db,
      temporal: env.client,
      config: tw.deps.config,
      logger: createLogger('silent'),
      metrics: createMetrics(),
      secrets: tw.secrets,
    },
    { taskQueue: tw.taskQueue },
  );
});
afterAll(async () => {
  await stopWorker?.();
  await tdb?.destroy();
  await env?.teardown();
});
beforeEach(async () => {
  created = [];
  receiver = await Receiver.start((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"imported":3}');
  });
});
afterEach(async () => {
  for (const id of created) {
    for (const workflowId of [ids.emergency(id, JOB), ids.webhookJob(id, JOB)]) {
      await env.client.workflow
        .getHandle(workflowId)
        .terminate('test over')
        .catch(() => undefined);
    }
  }
  await receiver.close();
});

async function createChannel(
  webhookJobs: CreateChannelInput['webhook_jobs'],
  extra: Partial<CreateChannelInput> = {},
) {
  const { channel, inboundToken } = await svc.create(accountId, {
    name: 'Marketplace',
    kind: 'sales',
    release: 'beta',
    mode: 'webhook',
    connector: { url: `${receiver.url}/connector` },
    webhook_jobs: webhookJobs,
    recurring_jobs: {},
    ...extra,
  });
  created.push(channel.id);
  return { id: channel.id, token: inboundToken };
}

const bodyOf = (r: Received) =>
  JSON.parse(r.body) as { job_run: Record<string, string>; trigger_payloads: unknown[] };
const runsOf = (channelId: string, trigger?: string) =>
  db('job_runs')
    .where({ channel_id: channelId, ...(trigger ? { trigger } : {}) })
    .orderBy('scheduled_for');
const ms = (d: Date | string) => new Date(d).getTime();

/**
 * Removes the channel and waits until its watchdog has ended. The time-skipping server can hang a
 * later env.sleep when a timer is cancelled while that sleep is already under way.
 */
async function removeChannel(channelId: string): Promise<void> {
  await svc.remove(accountId, channelId);
  await waitUntil('the watchdog has ended', async () => {
    const d = await env.client.workflow.getHandle(ids.emergency(channelId, JOB)).describe();
    return d.status.name !== 'RUNNING';
  });
}

/**
 * Waits until the watchdog is idle again with its next deadline. Sleeping the test server while a
 * workflow is between states (a timer being cancelled, a continue-as-new) can hang that sleep.
 */
async function armedAt(channelId: string, due: number): Promise<void> {
  await waitUntil(
    `the watchdog is armed at ${new Date(due).toISOString()}`,
    () => dueAt(channelId),
    (d) => d === due,
  );
}

/**
 * The seconds between consecutive connector calls match `expected`, read from their
 * webhook-timestamp headers (the test server's clock in whole seconds, so each gap is ±1).
 */
function expectAttemptGaps(expected: number[]): void {
  const stamps = receiver.requests.map((r) => Number(r.headers['webhook-timestamp']));
  const gaps = stamps.slice(1).map((t, i) => t - stamps[i]!);
  expect(gaps).toHaveLength(expected.length);
  gaps.forEach((gap, i) => expect(Math.abs(gap - expected[i]!)).toBeLessThanOrEqual(1));
}

async function runReaching(jobRunId: string, status: string) {
  return waitUntil(`job run ${jobRunId} is ${status}`, async () => {
    const row = await db('job_runs').where({ id: jobRunId }).first();
    return row?.status === status && row;
  });
}

/** The watchdog's pending deadline, from its memo (set by its first workflow task). */
async function dueAt(channelId: string): Promise<number> {
  return waitUntil('the watchdog memo has its deadline', async () => {
    const d = await env.client.workflow.getHandle(ids.emergency(channelId, JOB)).describe();
    return typeof d.memo?.emergencyDueAt === 'string' && ms(d.memo.emergencyDueAt);
  });
}

describe('webhook jobs', () => {
  it('wait out the delay durably before running', async () => {
    const ch = await createChannel({ [JOB]: { delay: '10m', emergency_job_period: null } });
    const t0 = await env.currentTimeMs();
    const { jobRunId } = await svc.inbound(ch.id, JOB, ch.token, { order: 'A1' });
    expect(await db('job_runs').where({ id: jobRunId }).first()).toMatchObject({
      status: 'pending',
      trigger: 'webhook',
    });
    await env.sleep(9 * M);
    expect(receiver.requests).toHaveLength(0);
    await env.client.workflow.getHandle(ids.webhookJob(ch.id, JOB)).result();
    expect(receiver.requests).toHaveLength(1);
    const sent = bodyOf(receiver.requests[0]!);
    expect(sent.job_run).toMatchObject({
      id: jobRunId,
      job_type: JOB,
      trigger: 'webhook',
      channel_id: ch.id,
      account_id: accountId,
    });
    expect(sent.trigger_payloads).toEqual([{ order: 'A1' }]);
    const row = await db('job_runs').where({ id: jobRunId }).first();
    expect(row).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      result: { imported: 3 },
      status_code: 200,
    });
    const waited = ms(row.started_at) - t0;
    expect(waited).toBeGreaterThanOrEqual(10 * M);
    expect(waited).toBeLessThan(10 * M + 30 * S);
  });

  it('coalesce webhooks that arrive during the delay into the waiting run', async () => {
    const ch = await createChannel({ [JOB]: { delay: '10m', emergency_job_period: null } });
    const a = await svc.inbound(ch.id, JOB, ch.token, { n: 1 });
    await env.sleep(3 * M);
    const b = await svc.inbound(ch.id, JOB, ch.token, { n: 2 });
    await env.sleep(3 * M);
    const c = await svc.inbound(ch.id, JOB, ch.token, { n: 3 });
    expect(new Set([a.jobRunId, b.jobRunId, c.jobRunId]).size).toBe(1);
    await env.client.workflow.getHandle(ids.webhookJob(ch.id, JOB)).result();
    expect(receiver.requests).toHaveLength(1);
    expect(bodyOf(receiver.requests[0]!).trigger_payloads).toEqual([{ n: 1 }, { n: 2 }, { n: 3 }]);
    expect(await db('job_runs').where({ id: a.jobRunId }).first()).toMatchObject({
      status: 'succeeded',
      trigger_count: 3,
    });

    // After the run, the next webhook starts a new run with its own delay.
    const d = await svc.inbound(ch.id, JOB, ch.token, { n: 4 });
    expect(d.jobRunId).not.toBe(a.jobRunId);
    await env.client.workflow.getHandle(ids.webhookJob(ch.id, JOB)).result();
    expect(receiver.requests).toHaveLength(2);
    expect(bodyOf(receiver.requests[1]!).trigger_payloads).toEqual([{ n: 4 }]);
  });

  it('queue a webhook that arrives while the run is already calling the connector', async () => {
    const ch = await createChannel({ [JOB]: { delay: '1m', emergency_job_period: null } });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    receiver.responder = async (req, res) => {
      if (bodyOf(req).trigger_payloads[0] === 'first') await gate;
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    };
    const first = await svc.inbound(ch.id, JOB, ch.token, 'first');
    const handle = env.client.workflow.getHandle(ids.webhookJob(ch.id, JOB));
    const done = handle.result();
    // The receiver records a request before answering it: the first run is now calling the connector.
    await waitUntil('the first run calls the connector', async () => receiver.requests.length === 1);
    const second = await svc.inbound(ch.id, JOB, ch.token, 'second');
    expect(second.jobRunId).not.toBe(first.jobRunId);
    release();
    expect(await done).toEqual({ runs: 2 });
    expect(receiver.requests.map((r) => bodyOf(r).trigger_payloads)).toEqual([['first'], ['second']]);
    const rows = await runsOf(ch.id, 'webhook');
    expect(rows.map((r) => r.status)).toEqual(['succeeded', 'succeeded']);
  });
});

describe('emergency watchdog', () => {
  it('runs an emergency job at 1, 2 and 3 periods when no webhook job succeeds', async () => {
    const ch = await createChannel({ [JOB]: { delay: null, emergency_job_period: '1h' } });
    const first = await dueAt(ch.id);
    for (let n = 1; n <= 3; n++) {
      await env.sleep(H);
      await receiver.waitFor(n);
      await armedAt(ch.id, first + n * H);
    }
    const runs = await waitUntil('three emergency runs succeeded', async () => {
      const rows = await runsOf(ch.id, 'emergency');
      return rows.length === 3 && rows.every((r) => r.status === 'succeeded') && rows;
    });
    expect(runs.map((r) => ms(r.scheduled_for) - first)).toEqual([0, H, 2 * H]);
    expect(receiver.requests.map((r) => bodyOf(r).job_run.trigger)).toEqual([
      'emergency',
      'emergency',
      'emergency',
    ]);
    // Each run started when it was due (test-server clock), not an hour late or early.
    for (const r of runs) expect(ms(r.started_at) - ms(r.scheduled_for)).toBeLessThan(M);
    expect(await dueAt(ch.id)).toBe(first + 3 * H);
    await removeChannel(ch.id);
  });

  it('re-arms after a successful webhook job: the next emergency run is one period after that success', async () => {
    const ch = await createChannel({ [JOB]: { delay: null, emergency_job_period: '1h' } });
    const firstDue = await dueAt(ch.id);
    await env.sleep(30 * M);
    const { jobRunId } = await svc.inbound(ch.id, JOB, ch.token, { n: 1 });
    // Polled in real time: waiting on a workflow result would let the test server skip ahead.
    const webhookRun = await runReaching(jobRunId, 'succeeded');
    const success = ms(webhookRun.finished_at);
    const rearmed = await waitUntil('the watchdog is re-armed', async () => {
      const d = await dueAt(ch.id);
      return d !== firstDue && d;
    });
    expect(rearmed - success).toBeGreaterThanOrEqual(H - 5 * S);
    expect(rearmed - success).toBeLessThan(H + 30 * S);

    await env.sleep(45 * M); // past the original deadline
    expect(await runsOf(ch.id, 'emergency')).toHaveLength(0);
    await env.sleep(20 * M);
    const [emergency] = await waitUntil('one emergency run', async () => {
      const rows = await runsOf(ch.id, 'emergency');
      return rows.length === 1 && rows;
    });
    expect(ms(emergency.scheduled_for)).toBe(rearmed);
    await removeChannel(ch.id);
  });

  it('is not re-armed by a failed webhook job', async () => {
    const ch = await createChannel({ [JOB]: { delay: null, emergency_job_period: '1h' } });
    receiver.responder = (req, res) => {
      res.writeHead(bodyOf(req).job_run.trigger === 'webhook' ? 500 : 200).end();
    };
    const firstDue = await dueAt(ch.id);
    await env.sleep(10 * M);
    const { jobRunId } = await svc.inbound(ch.id, JOB, ch.token, {});
    await env.sleep(3 * M); // its retries take 2.5 minutes
    expect(await runReaching(jobRunId, 'failed')).toMatchObject({ attempts: 5, error: 'HTTP 500' });
    expect(await dueAt(ch.id)).toBe(firstDue);
    await env.sleep(55 * M);
    const [emergency] = await waitUntil('one emergency run', async () => {
      const rows = await runsOf(ch.id, 'emergency');
      return rows.length === 1 && rows;
    });
    expect(ms(emergency.scheduled_for)).toBe(firstDue);
    await removeChannel(ch.id);
  });

  it('reconfiguring the period re-arms with the new one; the same period changes nothing', async () => {
    const ch = await createChannel({ [JOB]: { delay: null, emergency_job_period: '1h' } });
    const firstDue = await dueAt(ch.id);
    await env.sleep(30 * M);
    // A no-op change (or start-up reconciliation) must not push the deadline out.
    await svc.update(accountId, ch.id, { name: 'Renamed' });
    expect(await dueAt(ch.id)).toBe(firstDue);

    const t = await env.currentTimeMs();
    await svc.update(accountId, ch.id, {
      webhook_jobs: { [JOB]: { delay: null, emergency_job_period: '2h' } },
    });
    const newDue = await waitUntil('the watchdog is re-armed with the new period', async () => {
      const d = await dueAt(ch.id);
      return d !== firstDue && d;
    });
    expect(newDue - t).toBeGreaterThanOrEqual(2 * H);
    expect(newDue - t).toBeLessThan(2 * H + 30 * S);
    await env.sleep(45 * M); // past the old deadline: nothing
    expect(await runsOf(ch.id, 'emergency')).toHaveLength(0);
    await env.sleep(90 * M);
    const [emergency] = await waitUntil('one emergency run', async () => {
      const rows = await runsOf(ch.id, 'emergency');
      return rows.length === 1 && rows;
    });
    expect(ms(emergency.scheduled_for)).toBe(newDue);
    await removeChannel(ch.id);
  });

  it('stops when the channel leaves webhook mode or is deleted', async () => {
    const a = await createChannel({ [JOB]: { delay: null, emergency_job_period: '1h' } });
    const b = await createChannel(
      { [JOB]: { delay: null, emergency_job_period: '1h' } },
      { release: 'stable' },
    );
    await env.sleep(10 * M);
    await svc.remove(accountId, a.id);
    await svc.update(accountId, b.id, { mode: 'recurring' });
    for (const id of [a.id, b.id]) {
      const handle = env.client.workflow.getHandle(ids.emergency(id, JOB));
      expect(await handle.result()).toBe('stopped');
    }
    await env.sleep(3 * H);
    expect(await runsOf(a.id)).toHaveLength(0);
    expect(await runsOf(b.id)).toHaveLength(0);
    expect(receiver.requests).toHaveLength(0);
    // Back to webhook mode: a new watchdog, armed from now.
    await svc.update(accountId, b.id, { mode: 'webhook' });
    const d = await env.client.workflow.getHandle(ids.emergency(b.id, JOB)).describe();
    expect(d.status.name).toBe('RUNNING');
    await removeChannel(b.id);
  });
});

describe('job runs', () => {
  it('POST to the connector signed, with its headers, retrying with exponential backoff', async () => {
    const secret = 'whsec_' + Buffer.from('connector-secret-bytes').toString('base64');
    const ch = await createChannel(
      {},
      {
        mode: 'recurring',
        connector: { url: `${receiver.url}/run`, headers: { 'X-Api-Key': 'k-123' }, secret_key: secret },
      },
    );
    let calls = 0;
    receiver.responder = (_req, res) => {
      calls += 1;
      if (calls < 3) res.writeHead(503).end('busy');
      else res.writeHead(200, { 'content-type': 'application/json' }).end('{"synced":true}');
    };
    const { jobRunId } = await svc.runNow(accountId, ch.id, 'inventory.sync');
    expect(await env.client.workflow.getHandle(`job-run:${jobRunId}`).result()).toBe('succeeded');
    expect(receiver.requests).toHaveLength(3);
    expectAttemptGaps([10, 20]);
    for (const [i, r] of receiver.requests.entries()) {
      expect(r.path).toBe('/run');
      expect(r.headers).toMatchObject({
        'x-api-key': 'k-123',
        'webhook-id': jobRunId,
        'x-switchyard-job-run': jobRunId,
        'x-switchyard-attempt': String(i + 1),
      });
      const ok = verifySignature({
        secret,
        msgId: jobRunId,
        timestamp: Number(r.headers['webhook-timestamp']),
        body: r.body,
        signatureHeader: String(r.headers['webhook-signature']),
      });
      expect(ok).toBe(true);
      expect(bodyOf(r).job_run).toMatchObject({
        id: jobRunId,
        trigger: 'manual',
        job_type: 'inventory.sync',
      });
    }
    expect(await db('job_runs').where({ id: jobRunId }).first()).toMatchObject({
      status: 'succeeded',
      attempts: 3,
      result: { synced: true },
      error: null,
    });
  });

  it('fail for good after the bounded attempts', async () => {
    const ch = await createChannel({}, { mode: 'recurring' });
    receiver.responder = (_req, res) => {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('broken');
    };
    const { jobRunId } = await svc.runNow(accountId, ch.id, JOB);
    expect(await env.client.workflow.getHandle(`job-run:${jobRunId}`).result()).toBe('failed');
    expectAttemptGaps([10, 20, 40, 80]);
    expect(await db('job_runs').where({ id: jobRunId }).first()).toMatchObject({
      status: 'failed',
      attempts: 5,
      error: 'HTTP 500',
      status_code: 500,
      result: 'broken',
    });
  });

  it('a stable recurring job runs once per stable recurring channel, failures isolated', async () => {
    const other = await insertAccount(db, 'isolated');
    const mk = (path: string, extra: Partial<CreateChannelInput>) =>
      svc.create(other, {
        name: path,
        kind: 'fulfillment',
        release: 'stable',
        mode: 'recurring',
        connector: { url: `${receiver.url}${path}` },
        webhook_jobs: {},
        recurring_jobs: {},
        ...extra,
      });
    const ok = (await mk('/ok', {})).channel.id;
    const bad = (await mk('/bad', {})).channel.id;
    await mk('/webhook-mode', { mode: 'webhook' });
    await mk('/beta', { release: 'beta' });
    await db('account_recurring_jobs').insert({
      account_id: other,
      job_type: JOB,
      enabled: true,
      period: '1h',
    });
    receiver.responder = (req, res) => {
      res.writeHead(req.path === '/bad' ? 500 : 200, { 'content-type': 'application/json' }).end('{}');
    };
    const result = await env.client.workflow.execute<RecurringJobWorkflow>(
      channelWorkflowTypes.recurringJob,
      {
        workflowId: `recurring-test-${other}`,
        taskQueue: tw.taskQueue,
        args: [{ accountId: other, jobType: JOB, release: 'stable' }],
      },
    );
    expect(result).toEqual({ channels: 2, succeeded: 1, failed: 1 });
    const rows = await db('job_runs').where({ account_id: other }).orderBy('channel_id');
    expect(rows.map((r) => [r.channel_id, r.trigger, r.status])).toEqual(
      [
        [ok, 'recurring', 'succeeded'],
        [bad, 'recurring', 'failed'],
      ].sort(),
    );
    expect(new Set(receiver.requests.map((r) => r.path))).toEqual(new Set(['/ok', '/bad']));
  });
});

describe('emergency watchdog history', () => {
  // Last in the file: after a continue-as-new the time-skipping test server has hung later sleeps.
  it('continues as new with its deadline, keeping the cadence', async () => {
    const ch = await createChannel({}); // no watchdog from the service: this one is started by hand
    await db('channels')
      .where({ id: ch.id })
      .update({ webhook_jobs: JSON.stringify({ [JOB]: { delay: null, emergency_job_period: '1h' } }) });
    const workflowId = ids.emergency(ch.id, JOB);
    const handle = await env.client.workflow.start<EmergencyWatchdogWorkflow>(
      channelWorkflowTypes.emergencyWatchdog,
      {
        workflowId,
        taskQueue: tw.taskQueue,
        args: [{ accountId, channelId: ch.id, jobType: JOB, periodMs: H, cyclesPerRun: 3 }],
      },
    );
    const firstRunId = handle.firstExecutionRunId;
    const first = await dueAt(ch.id);
    for (let n = 1; n <= 3; n++) {
      await env.sleep(H);
      await receiver.waitFor(n);
      await armedAt(ch.id, first + n * H);
    }
    // The third cycle continued as new: a new run, armed with the carried-over deadline.
    const latest = await env.client.workflow.getHandle(workflowId).describe();
    expect(latest.runId).not.toBe(firstRunId);
    expect(latest.status.name).toBe('RUNNING');
    expect(ms(latest.memo?.emergencyDueAt as string)).toBe(first + 3 * H);
    const runs = await waitUntil('three emergency runs', async () => {
      const rows = await runsOf(ch.id, 'emergency');
      return rows.length === 3 && rows;
    });
    expect(runs.map((r) => ms(r.scheduled_for) - first)).toEqual([0, H, 2 * H]);
  });
});
