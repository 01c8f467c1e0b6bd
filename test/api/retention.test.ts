// What the API answers for rows retention purged: a delivery, an event and a job run that finished
// through the real workflows are 404 once a purgeRetention run has passed; pending ones stay.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TASK_QUEUE } from '../../src/constants';
import { startWorkflow } from '../../src/temporal/workflowStart';
import { purgeRetentionStart, type PurgeRetentionResult } from '../../src/workflows/retention/contract';
import { testDatabaseKinds } from '../support/db';
import { insertDelivery } from '../support/fixtures';
import { startDeliveryStack, type DeliveryStack } from '../support/stack';
import { waitUntil } from '../support/waitUntil';

describe.each(testDatabaseKinds())('purged rows through the API on %s', (kind) => {
  let stack: DeliveryStack;
  beforeAll(async () => {
    stack = await startDeliveryStack(kind, { secret: 'retention-api-test-secret' });
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('GET of a purged delivery, event or job run answers 404; pending ones are still there', async () => {
    const { env, app, tdb } = stack;
    const account = (await app.call('POST', '/v1/accounts', { body: { name: 'retention' } })).body;
    const key = account.api_key as string;
    const get = (path: string) => app.call('GET', path, { key });

    // A delivery that finished (delivered) through deliverWebhook, of an event with an ordering key.
    const webhook = (
      await app.call('POST', '/v1/webhooks', {
        key,
        body: { event_type: 'package.*', target_url: stack.receiver.url },
      })
    ).body;
    const accepted = await app.call('POST', '/v1/events', {
      key,
      body: { id: 'pkg-1-shipped', type: 'package.status.shipped', ordering_key: 'PKG-1', payload: { n: 1 } },
    });
    expect(accepted.status).toBe(202);
    const delivery = await waitUntil(
      'the delivery is delivered',
      async () => (await get('/v1/deliveries?event_id=pkg-1-shipped')).body.data[0],
      (d) => d?.status === 'delivered',
    );

    // A manual job run that succeeded through runJob.
    const channel = (
      await app.call('POST', '/v1/channels', {
        key,
        body: {
          name: 'shop',
          kind: 'sales',
          release: 'stable',
          mode: 'recurring',
          connector: { url: `${stack.receiver.url}/connector` },
        },
      })
    ).body;
    const jobRunId = (await app.call('POST', `/v1/channels/${channel.id}/jobs/orders.import/run`, { key }))
      .body.job_run_id as string;
    await waitUntil(
      'the job run succeeds',
      async () => (await get(`/v1/job-runs/${jobRunId}`)).body,
      (r) => r.status === 'succeeded',
    );

    // Pending work of the same age: a delivery waiting for its attempt, a job run waiting its turn.
    const pending = await insertDelivery(tdb.db, account.id, webhook.id, { type: 'package.created' });
    await tdb.db('events').where({ id: pending.eventId }).update({ dispatched_at: new Date() });
    await tdb.db('job_runs').insert({
      id: 'jrun_pending',
      account_id: account.id,
      channel_id: channel.id,
      job_type: 'orders.import',
      trigger: 'manual',
      status: 'pending',
      workflow_id: 'job-run:jrun_pending',
    });

    const before = [
      `/v1/deliveries/${delivery.id}`,
      '/v1/events/pkg-1-shipped',
      `/v1/job-runs/${jobRunId}`,
      `/v1/deliveries/${pending.deliveryId}`,
      `/v1/events/${pending.eventId}`,
      '/v1/job-runs/jrun_pending',
    ];
    for (const path of before) expect((await get(path)).status, path).toBe(200);

    // Everything above is more than a second old by the time the purge runs (on the server's clock).
    await env.sleep('2s');
    const start = purgeRetentionStart(
      `retention-api-test-${kind}`,
      { retentionMs: 1_000 },
      { taskQueue: TASK_QUEUE },
    );
    const result = (await (await startWorkflow(env.client, start)).result()) as PurgeRetentionResult;
    expect(result).toMatchObject({ deliveries: 1, attempts: 1, events: 1, orderingKeys: 1, jobRuns: 1 });

    for (const path of before.slice(0, 3)) {
      const res = await get(path);
      expect(res.status, path).toBe(404);
      expect(res.body.error.code).toBe('not_found');
    }
    for (const path of before.slice(3)) expect((await get(path)).status, path).toBe(200);
    expect((await get('/v1/deliveries?event_id=pkg-1-shipped')).body.data).toEqual([]);
    expect(
      (await get(`/v1/job-runs?channel_id=${channel.id}`)).body.data.map((r: { id: string }) => r.id),
    ).toEqual(['jrun_pending']);
    // Nothing of it remains in the tables either (the attempt went with its delivery).
    expect(await tdb.db('delivery_attempts').where({ delivery_id: delivery.id })).toEqual([]);
    expect(await tdb.db('ordering_keys').where({ account_id: account.id })).toEqual([]);
  });
});
