// Records the Temporal histories that test/workflows/replay.test.ts replays against the current
// workflow code: `npx tsx scripts/record-histories.ts [webhooks] [delayed] [channels]` (all by
// default).
// Re-record them only when a change is meant to be incompatible (and then gate it with patched()
// for the runs already in flight); record only the group you mean to, so the others keep proving
// that the current code replays what an older one wrote.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { newId } from '../src/ids';
import { SecretBox } from '../src/secrets';
import { createChannelsService } from '../src/services/channels';
import { temporalCliPath } from '../src/temporal/binaries';
import { signalWithStartWorkflow, startWorkflow } from '../src/temporal/workflowStart';
import {
  channelIds,
  channelWorkflowTypes,
  type EmergencyWatchdogWorkflow,
  type RecurringJobWorkflow,
} from '../src/workflows/channels/contract';
import {
  deliverWebhookStart,
  dispatchEventStart,
  retryNowSignal,
  webhookWorkflowIds,
} from '../src/workflows/webhooks/contract';
import { createTestDb } from '../test/support/db';
import { insertAccount, insertDelivery, insertWebhook } from '../test/support/fixtures';
import { Receiver, type Received } from '../test/support/receiver';
import { devServerEnv, timeSkippingEnv } from '../test/support/temporal';
import { waitUntil } from '../test/support/waitUntil';
import { createTestWorker } from '../test/support/worker';

const out = fileURLToPath(new URL('../test/workflows/histories/', import.meta.url));
const groups = process.argv.slice(2);
const wanted = (group: string) => groups.length === 0 || groups.includes(group);

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const JOB = 'orders.import';

/** The workflow's history as the CLI shows it (the webhooks' histories). */
function showHistory(address: string, workflowId: string): Buffer {
  return execFileSync(temporalCliPath(), [
    'workflow',
    'show',
    '--address',
    address,
    '--workflow-id',
    workflowId,
    '--output',
    'json',
  ]);
}

/**
 * What the webhook recordings share: a dev server, PGlite, a worker with the real activities, and a
 * loopback receiver whose `/ok` answers 200 and whose `/flaky` answers 500 once, then 200.
 */
async function withWebhookStack(
  record: (s: {
    dev: Awaited<ReturnType<typeof devServerEnv>>;
    tdb: Awaited<ReturnType<typeof createTestDb>>;
    receiver: Receiver;
    secrets: SecretBox;
    worker: Awaited<ReturnType<typeof createTestWorker>>;
  }) => Promise<void>,
): Promise<void> {
  const dev = await devServerEnv();
  const tdb = await createTestDb('pglite');
  let flakyCalls = 0;
  const receiver = await Receiver.start((req, res) => {
    const fail = req.path === '/flaky' && flakyCalls++ === 0;
    res.writeHead(fail ? 500 : 200).end();
  });
  const secrets = new SecretBox('record-histories');
  const worker = await createTestWorker(
    { client: dev.client, nativeConnection: dev.nativeConnection } as never,
    tdb.db,
    { timeSkipping: false, secrets },
  );
  const stopWorker = await worker.start();
  try {
    await record({ dev, tdb, receiver, secrets, worker });
  } finally {
    await stopWorker();
    await receiver.close();
    await tdb.destroy();
    await dev.stop();
  }
}

/** dispatchEvent fanning out to two webhooks: one delivered at once, one after a failed attempt. */
async function recordWebhooks(): Promise<void> {
  await withWebhookStack(async ({ dev, tdb, receiver, secrets, worker }) => {
    const account = await insertAccount(tdb.db);
    const delivered = await insertWebhook(tdb.db, secrets, account, {
      target_url: `${receiver.url}/ok`,
      retry_policy: 'none',
    });
    const retried = await insertWebhook(tdb.db, secrets, account, {
      target_url: `${receiver.url}/flaky`,
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 1 } },
    });
    const eventId = newId('evt');
    await tdb.db('events').insert({
      account_id: account,
      id: eventId,
      seq: eventId,
      message_id: newId('msg'),
      type: 'package.created',
      occurred_at: new Date(),
      payload: JSON.stringify({ package_id: 'P1' }),
      request_hash: 'x',
    });
    const dispatch = dispatchEventStart({
      accountId: account,
      eventId,
      eventType: 'package.created',
      searchAttributes: false,
      taskQueue: worker.taskQueue,
    });
    const dispatchId = dispatch.options.workflowId;
    await (await startWorkflow(dev.client, dispatch)).result();
    const runs: Record<string, string> = {
      'dispatchEvent.json': dispatchId,
      'deliverWebhook-delivered.json': webhookWorkflowIds.delivery(eventId, delivered),
      'deliverWebhook-retried.json': webhookWorkflowIds.delivery(eventId, retried),
    };
    for (const [file, workflowId] of Object.entries(runs)) {
      await dev.client.workflow.getHandle(workflowId).result();
      writeFileSync(`${out}${file}`, showHistory(dev.address, workflowId));
      console.log(`recorded ${file} (${workflowId})`);
    }
  });
}

/**
 * deliverWebhook runs whose webhook has a `delay`, started as the fan-out starts them (the delay is
 * the start's startDelay, not a timer in the workflow): one that waits out a 1 s delay and is
 * delivered; one whose 1 h delay a retryNow ends, its first attempt failing and its countdown
 * (1 s) then waited out before the second.
 */
async function recordDelayed(): Promise<void> {
  await withWebhookStack(async ({ dev, tdb, receiver, secrets, worker }) => {
    const account = await insertAccount(tdb.db);
    const start = async (webhook: Parameters<typeof insertWebhook>[3], delayMs: number) => {
      const webhookId = await insertWebhook(tdb.db, secrets, account, webhook);
      const { eventId, deliveryId, workflowId } = await insertDelivery(tdb.db, account, webhookId);
      const options = deliverWebhookStart({
        input: { deliveryId, delayMs, cycle: 1, firstAttemptNumber: 1, test: false },
        workflowId,
        accountId: account,
        eventId,
        eventType: 'package.created',
        goodsOwnerId: null,
        webhookId,
        starter: { by: 'fanOut', eager: false },
        searchAttributes: false,
        taskQueue: worker.taskQueue,
      });
      if (options.options.startDelay !== delayMs) throw new Error('the start is not delayed');
      const handle = await startWorkflow(dev.client, options);
      // As the deliveries service signals: with start, which ends a start delay (a plain signal does not).
      const retryNow = () => signalWithStartWorkflow(dev.client, options, retryNowSignal, []);
      return { handle, retryNow };
    };
    const delivered = await start({ target_url: `${receiver.url}/ok`, retry_policy: 'none', delay: '1s' }, S);
    const retriedNow = await start(
      {
        target_url: `${receiver.url}/flaky`,
        retry_policy: 'countdown',
        retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 1 } },
        delay: '1h',
      },
      H,
    );
    await retriedNow.retryNow();
    const runs: Record<string, WorkflowHandle> = {
      'deliverWebhook-delayed.json': delivered.handle,
      'deliverWebhook-delayed-retried-now.json': retriedNow.handle,
    };
    for (const [file, handle] of Object.entries(runs)) {
      if ((await handle.result()) !== 'delivered') throw new Error(`${file}: not delivered`);
      writeFileSync(`${out}${file}`, showHistory(dev.address, handle.workflowId));
      console.log(`recorded ${file} (${handle.workflowId})`);
    }
  });
}

/**
 * The channel workflows under the time-skipping test server, with the real activities over PGlite
 * and a loopback connector (as test/workflows/channels.test.ts runs them): runJob, recurringJob, and
 * a webhookJob that re-arms an emergencyWatchdog which then continues as new.
 */
async function recordChannels(): Promise<void> {
  const env = await timeSkippingEnv();
  const tdb = await createTestDb('pglite');
  const db = tdb.db;
  const bodyOf = (r: Received) => JSON.parse(r.body) as { job_run: { trigger: string } };
  let manualCalls = 0;
  let gate: Promise<void> | undefined;
  const receiver = await Receiver.start(async (req, res) => {
    const trigger = bodyOf(req).job_run.trigger;
    const fail = req.path === '/bad' || (trigger === 'manual' && manualCalls++ === 0);
    if (trigger === 'webhook' && gate) await gate;
    res.writeHead(fail ? 500 : 200, { 'content-type': 'application/json' }).end('{"imported":3}');
  });
  const tw = await createTestWorker(env, db);
  const stopWorker = await tw.start();
  // The worker's own deps: the same database, server and secrets, search attributes off.
  const svc = createChannelsService(tw.deps, { taskQueue: tw.taskQueue });
  const save = async (file: string, handle: WorkflowHandle) => {
    writeFileSync(`${out}${file}`, historyToJSON(await handle.fetchHistory()) + '\n');
    console.log(`recorded ${file} (${handle.workflowId})`);
  };
  const channel = (accountId: string, path: string, extra: Partial<Parameters<typeof svc.create>[1]>) =>
    svc.create(accountId, {
      name: path,
      kind: 'sales',
      release: 'stable',
      mode: 'recurring',
      connector: { url: `${receiver.url}${path}` },
      webhook_jobs: {},
      recurring_jobs: {},
      ...extra,
    });
  try {
    // runJob: a manual run whose first attempt gets a 500 and whose retry succeeds.
    const accountId = await insertAccount(db);
    const manual = (await channel(accountId, '/manual', {})).channel.id;
    const { jobRunId } = await svc.runNow(accountId, manual, JOB);
    const runJob = env.client.workflow.getHandle(`job-run:${jobRunId}`);
    if ((await runJob.result()) !== 'succeeded') throw new Error('runJob did not succeed');
    await save('runJob-retried.json', runJob);

    // recurringJob: one run of a stable job across two channels, one succeeding, one failing.
    const other = await insertAccount(db, 'recurring');
    await channel(other, '/ok', {});
    await channel(other, '/bad', {});
    await db('account_recurring_jobs').insert({
      account_id: other,
      job_type: JOB,
      enabled: true,
      period: '1h',
    });
    const recurring = await env.client.workflow.start<RecurringJobWorkflow>(
      channelWorkflowTypes.recurringJob,
      {
        workflowId: `recurring-record-${other}`,
        taskQueue: tw.taskQueue,
        args: [{ accountId: other, jobType: JOB, release: 'stable' }],
      },
    );
    const outcome = JSON.stringify(await recurring.result());
    if (outcome !== JSON.stringify({ channels: 2, succeeded: 1, failed: 1 })) throw new Error(outcome);
    await save('recurringJob.json', recurring);

    // emergencyWatchdog, started by hand with a small cyclesPerRun: cycle 1 fires an emergency run,
    // cycles 2 and 3 are re-arms by the webhookJob's two successes, cycle 4 is a reconfigure, after
    // which it continues as new; the continued run is reconfigured once more and stopped. (No timer
    // is skipped after the continue-as-new: that has hung the test server's later sleeps.)
    const { channel: ch, inboundToken } = await channel(accountId, '/connector', {
      release: 'beta',
      mode: 'webhook',
      webhook_jobs: { [JOB]: { delay: '10m', emergency_job_period: null } },
    });
    await db('channels')
      .where({ id: ch.id })
      .update({ webhook_jobs: JSON.stringify({ [JOB]: { delay: '10m', emergency_job_period: '1h' } }) });
    const watchdogId = channelIds.emergency(ch.id, JOB);
    const watchdog = await env.client.workflow.start<EmergencyWatchdogWorkflow>(
      channelWorkflowTypes.emergencyWatchdog,
      {
        workflowId: watchdogId,
        taskQueue: tw.taskQueue,
        args: [{ accountId, channelId: ch.id, jobType: JOB, periodMs: H, cyclesPerRun: 4 }],
      },
    );
    const dueAt = async (): Promise<string | undefined> => {
      const d = await env.client.workflow.getHandle(watchdogId).describe();
      return typeof d.memo?.emergencyDueAt === 'string' ? d.memo.emergencyDueAt : undefined;
    };
    // Between two steps, wait until the watchdog is idle with a new deadline (sleeping the test
    // server while it is between states can hang that sleep).
    const rearmed = async (from: string | undefined) =>
      waitUntil(`the watchdog moves its deadline from ${from}`, dueAt, (d) => d !== undefined && d !== from);
    const emergencyRequests = () =>
      receiver.requests.filter((r) => bodyOf(r).job_run.trigger === 'emergency');
    let due = await rearmed(undefined);
    await env.sleep(H);
    await waitUntil('the emergency run calls the connector', () => emergencyRequests().length === 1);
    due = await rearmed(due);

    // webhookJob: two webhooks coalesced into one run, and a third one that arrives while that run
    // is calling the connector, queued as a second run.
    let release!: () => void;
    gate = new Promise<void>((r) => (release = r));
    const webhookRequests = () => receiver.requests.filter((r) => bodyOf(r).job_run.trigger === 'webhook');
    const a = await svc.inbound(ch.id, JOB, inboundToken, { n: 1 });
    await env.sleep(3 * M);
    const b = await svc.inbound(ch.id, JOB, inboundToken, { n: 2 });
    if (a.jobRunId !== b.jobRunId) throw new Error('the second webhook did not join the waiting run');
    const webhookJob = env.client.workflow.getHandle(channelIds.webhookJob(ch.id, JOB));
    // Time is skipped only by env.sleep: waiting on a result would let the test server skip on to
    // the watchdog's timer as soon as all else is idle, and make the recorded cycles a race.
    await env.sleep(7 * M);
    await waitUntil('the first webhook run calls the connector', () => webhookRequests().length === 1);
    const c = await svc.inbound(ch.id, JOB, inboundToken, { n: 3 });
    if (c.jobRunId === a.jobRunId) throw new Error('the third webhook joined a running run');
    gate = undefined;
    release();
    due = await rearmed(due);
    await env.sleep(10 * M);
    await waitUntil(
      'the webhookJob completes',
      async () => (await webhookJob.describe()).status.name,
      (s) => s === 'COMPLETED',
    );
    if (webhookRequests().length !== 2) throw new Error(`${webhookRequests().length} webhook runs`);
    due = await rearmed(due);
    await save('webhookJob.json', webhookJob);

    await watchdog.signal('reconfigure', { periodMs: 2 * H });
    const continued = await waitUntil(
      'the watchdog continues as new',
      async () => (await env.client.workflow.getHandle(watchdogId).describe()).runId,
      (runId) => runId !== watchdog.firstExecutionRunId,
    );
    due = await rearmed(due);
    await watchdog.signal('reconfigure', { periodMs: 3 * H });
    await rearmed(due);
    await watchdog.signal('stop');
    const latest = env.client.workflow.getHandle(watchdogId, continued);
    if ((await latest.result()) !== 'stopped') throw new Error('the continued watchdog did not stop');
    await save(
      'emergencyWatchdog-1.json',
      env.client.workflow.getHandle(watchdogId, watchdog.firstExecutionRunId),
    );
    await save('emergencyWatchdog-2-continued.json', latest);
  } finally {
    await stopWorker();
    await receiver.close();
    await tdb.destroy();
    await env.teardown();
  }
}

if (wanted('webhooks')) await recordWebhooks();
if (wanted('delayed')) await recordDelayed();
if (wanted('channels')) await recordChannels();
