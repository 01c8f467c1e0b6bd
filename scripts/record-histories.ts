// Records the Temporal histories that test/workflows/replay.test.ts replays against the current
// workflow code: `npx tsx scripts/record-histories.ts`. Re-record them only when a change is meant
// to be incompatible (and then gate it with patched() for the runs already in flight).
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { newId } from '../src/ids';
import { SecretBox } from '../src/secrets';
import { temporalCliPath } from '../src/temporal/binaries';
import { startWorkflow } from '../src/temporal/workflowStart';
import { dispatchEventStart, webhookWorkflowIds } from '../src/workflows/webhooks/contract';
import { createTestDb } from '../test/support/db';
import { insertAccount, insertWebhook } from '../test/support/fixtures';
import { Receiver } from '../test/support/receiver';
import { devServerEnv } from '../test/support/temporal';
import { createTestWorker } from '../test/support/worker';

const out = fileURLToPath(new URL('../test/workflows/histories/', import.meta.url));
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
    const json = execFileSync(temporalCliPath(), [
      'workflow',
      'show',
      '--address',
      dev.address,
      '--workflow-id',
      workflowId,
      '--output',
      'json',
    ]);
    writeFileSync(`${out}${file}`, json);
    console.log(`recorded ${file} (${workflowId})`);
  }
} finally {
  await stopWorker();
  await receiver.close();
  await tdb.destroy();
  await dev.stop();
}
