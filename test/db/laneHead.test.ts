// The lane's one read (deliveries repository laneHead, behind the laneHead activity) on the real
// databases: whose turn it is among a per_key webhook's deliveries of one ordering key, and when an
// earlier event of the key, accepted but not planned yet, makes the lane wait (`blocked`).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { newId } from '../../src/ids';
import { createDeliveriesRepository, type LaneHead } from '../../src/repositories/deliveries';
import { SecretBox } from '../../src/secrets';
import { webhookWorkflowIds } from '../../src/workflows/webhooks/contract';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertAccount, insertWebhook } from '../support/fixtures';

const KEY = 'ORD-7';

/** A delivery row of an event; by default the lane webhook's, pending, first cycle, in the lane. */
interface DeliverySpec {
  webhook?: 'lane' | 'other';
  status?: 'pending' | 'delivered' | 'failed' | 'cancelled';
  cycle?: number;
  /** No ordering key (planned while the webhook was not per_key): not in any lane. */
  unordered?: true;
}

/** An event of the key (its ordering seq), dispatched unless told, with its delivery rows. */
interface EventSpec {
  seq: number;
  key?: string;
  otherAccount?: true;
  dispatched?: false;
  test?: true;
  deliveries?: DeliverySpec[];
}

/** The head by its event's seq (the lane webhook's delivery of it), or the other answers. */
type Expected = number | 'blocked' | 'empty';

const pending: DeliverySpec[] = [{}];
const unplanned = { dispatched: false } as const;

const cases: Array<[string, EventSpec[], Expected]> = [
  [
    'the pending first-cycle delivery with the lowest seq is the head, whatever the insertion order',
    [
      { seq: 3, deliveries: pending },
      { seq: 1, deliveries: pending },
      { seq: 2, deliveries: pending },
    ],
    1,
  ],
  [
    'delivered, failed and cancelled deliveries are skipped',
    [
      { seq: 1, deliveries: [{ status: 'delivered' }] },
      { seq: 2, deliveries: [{ status: 'failed' }] },
      { seq: 3, deliveries: [{ status: 'cancelled' }] },
      { seq: 4, deliveries: pending },
    ],
    4,
  ],
  [
    'a pending later cycle (a resend, outside the lane) is skipped',
    [
      { seq: 1, deliveries: [{ cycle: 2 }] },
      { seq: 2, deliveries: pending },
    ],
    2,
  ],
  [
    'deliveries of other webhooks, of other keys and without a key are not in the lane',
    [
      { seq: 1, deliveries: [{ webhook: 'other' }] },
      { seq: 1, key: 'ORD-8', deliveries: pending },
      { seq: 2, deliveries: [{ unordered: true }] },
      { seq: 3, deliveries: pending },
    ],
    3,
  ],
  ['empty with no rows at all', [], 'empty'],
  [
    'empty when no delivery of the lane is pending',
    [
      { seq: 1, deliveries: [{ status: 'delivered' }] },
      { seq: 2, deliveries: [{ status: 'cancelled' }, { webhook: 'other' }] },
      { seq: 3, deliveries: [{ cycle: 2 }] },
    ],
    'empty',
  ],
  [
    'blocked by an earlier event of the key not dispatched, not a test, with no delivery of the webhook',
    [
      { seq: 1, ...unplanned },
      { seq: 2, deliveries: pending },
    ],
    'blocked',
  ],
  [
    'blocked by such an event even when it already has another webhook’s delivery',
    [
      { seq: 1, ...unplanned, deliveries: [{ webhook: 'other' }] },
      { seq: 2, deliveries: pending },
    ],
    'blocked',
  ],
  [
    'not blocked by an earlier event once it is dispatched (planned without this webhook)',
    [{ seq: 1 }, { seq: 2, deliveries: pending }],
    2,
  ],
  [
    'not blocked by an undispatched earlier event that has this webhook’s delivery: that row is the head',
    [
      { seq: 1, ...unplanned, deliveries: pending },
      { seq: 2, deliveries: pending },
    ],
    1,
  ],
  [
    'not blocked by an undispatched earlier event whose delivery of this webhook has ended',
    [
      { seq: 1, ...unplanned, deliveries: [{ status: 'failed' }] },
      { seq: 2, deliveries: pending },
    ],
    2,
  ],
  [
    'not blocked by an undispatched test event',
    [
      { seq: 1, ...unplanned, test: true },
      { seq: 2, deliveries: pending },
    ],
    2,
  ],
  [
    'not blocked by an undispatched event later than the head',
    [
      { seq: 1, deliveries: pending },
      { seq: 2, ...unplanned },
    ],
    1,
  ],
  [
    'not blocked by an undispatched event of another key or of another account',
    [
      { seq: 1, key: 'ORD-8', ...unplanned },
      { seq: 1, otherAccount: true, ...unplanned },
      { seq: 2, deliveries: pending },
    ],
    2,
  ],
  [
    'blocked when nothing is pending but an event of the key is unplanned (it may become the head)',
    [
      { seq: 1, deliveries: [{ status: 'delivered' }] },
      { seq: 2, ...unplanned },
    ],
    'blocked',
  ],
];

describe.each(testDatabaseKinds())('laneHead on %s', (kind) => {
  let tdb: TestDb;
  let deliveries: ReturnType<typeof createDeliveriesRepository>;
  const secrets = new SecretBox('lane-head-test');

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    deliveries = createDeliveriesRepository(tdb.db);
  });
  afterAll(async () => {
    await tdb?.destroy();
  });

  const perKeyWebhook = async (accountId: string) => {
    const id = await insertWebhook(tdb.db, secrets, accountId, { target_url: 'https://example.com/hooks' });
    await tdb.db('webhooks').where({ id }).update({ ordering: 'per_key' });
    return id;
  };

  /** A fresh account with a lane webhook and another one; `add` writes events as the API and planner would. */
  async function setUp() {
    const accountId = await insertAccount(tdb.db);
    const otherAccountId = await insertAccount(tdb.db, 'other');
    const webhooks = { lane: await perKeyWebhook(accountId), other: await perKeyWebhook(accountId) };
    const lane = { accountId, webhookId: webhooks.lane, orderingKey: KEY };
    /** The lane webhook's delivery of each event of the key, by seq. */
    const laneDelivery = new Map<number, string>();

    async function addDelivery(eventId: string, e: EventSpec, d: DeliverySpec) {
      const webhookId = webhooks[d.webhook ?? 'lane'];
      const key = e.key ?? KEY;
      const status = d.status ?? 'pending';
      const id = newId('dlv');
      await tdb.db('deliveries').insert({
        id,
        account_id: accountId,
        event_id: eventId,
        webhook_id: webhookId,
        status,
        cycle: d.cycle ?? 1,
        workflow_id: webhookWorkflowIds.delivery(eventId, webhookId),
        ordering_key: d.unordered ? null : key,
        ordering_seq: d.unordered ? null : e.seq,
        finished_at: status === 'pending' ? null : new Date(),
      });
      if (webhookId === webhooks.lane && key === KEY) laneDelivery.set(e.seq, id);
      return id;
    }

    async function add(e: EventSpec) {
      const id = newId('evt');
      await tdb.db('events').insert({
        account_id: e.otherAccount ? otherAccountId : accountId,
        id,
        seq: id,
        message_id: newId('msg'),
        type: 'order.created',
        occurred_at: new Date(),
        payload: '{}',
        request_hash: 'x',
        is_test: e.test ?? false,
        dispatched_at: e.dispatched === false ? null : new Date(),
        ordering_key: e.key ?? KEY,
        ordering_seq: e.seq,
      });
      for (const d of e.deliveries ?? []) await addDelivery(id, e, d);
      return id;
    }

    const expected = (x: Expected): LaneHead =>
      typeof x === 'number' ? { kind: 'delivery', deliveryId: laneDelivery.get(x)! } : { kind: x };
    return { lane, add, addDelivery, laneDelivery, expected };
  }

  it.each(cases)('%s', async (_name, events, want) => {
    const { lane, add, expected } = await setUp();
    for (const e of events) await add(e);
    expect(await deliveries.laneHead(lane)).toEqual(expected(want));
  });

  it('follows the rows as an earlier event is planned and deliveries end', async () => {
    const { lane, add, addDelivery, laneDelivery, expected } = await setUp();
    const first = { seq: 1, ...unplanned };
    const firstId = await add(first);
    await add({ seq: 2, deliveries: pending });
    expect(await deliveries.laneHead(lane)).toEqual(expected('blocked'));
    // The planner records event 1's delivery (the API marks the event dispatched after its starts).
    await addDelivery(firstId, first, {});
    expect(await deliveries.laneHead(lane)).toEqual(expected(1));
    await tdb.db('events').where({ id: firstId }).update({ dispatched_at: new Date() });
    await tdb
      .db('deliveries')
      .where({ id: laneDelivery.get(1) })
      .update({ status: 'delivered' });
    expect(await deliveries.laneHead(lane)).toEqual(expected(2));
    await tdb
      .db('deliveries')
      .where({ id: laneDelivery.get(2) })
      .update({ status: 'cancelled' });
    expect(await deliveries.laneHead(lane)).toEqual(expected('empty'));
  });
});
