// deliveryLane with a mocked laneHead on the fake workflow runtime: whose turn it is, when the lane
// looks again, when it releases a holder, when it closes and when it continues as new. The
// database is a list of the lane's pending first-cycle deliveries in seq order (plus a `blocked`
// flag for an earlier event not yet planned); the server-backed behaviour is test/api/lanes.test.ts.
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { LaneHead } from '../../../src/activities/webhooks/lanes';
import {
  arriveSignal,
  laneQuery,
  leaveSignal,
  type LaneMember,
  type LaneStatus,
} from '../../../src/workflows/lanes/contract';
import {
  deliveryLane,
  LANE_BLOCKED_RECHECK_MS,
  LANE_IDLE_MS,
  LANE_SAFETY_RECHECK_MS,
  LANE_TURNS_PER_RUN,
} from '../../../src/workflows/lanes/deliveryLane';
import { laneTurnSignal } from '../../../src/workflows/webhooks/contract';
import { deferred, WorkflowHarness, type HarnessOptions } from '../../support/workflowHarness';

vi.mock('@temporalio/workflow', async (importOriginal) => ({
  ...(await import('../../support/workflowHarness')).workflowModuleMock(await importOriginal()),
  // Not in the harness: the lane's handlers are synchronous, so all have finished whenever it looks.
  allHandlersFinished: () => true,
}));

let h: WorkflowHarness;
afterEach(() => h?.dispose());

const ref = { accountId: 'acc_1', webhookId: 'whk_1', orderingKey: 'ORD-7' };
const member = (n: number): LaneMember => ({ deliveryId: `dlv_${n}`, workflowId: `delivery:evt_${n}:whk_1` });

/**
 * A lane whose database holds `pending` (delivery numbers, in seq order). `db.blocked` makes laneHead
 * answer `blocked`, as for an earlier event of the key not planned yet.
 */
function setUp(pending: number[], opts: Pick<HarnessOptions, 'externalSignal'> = {}) {
  const db = { pending: [...pending], blocked: false };
  const laneHead = vi.fn(async (lane: typeof ref): Promise<LaneHead> => {
    expect(lane).toEqual(ref);
    if (db.blocked) return { kind: 'blocked' };
    const head = db.pending[0];
    return head === undefined ? { kind: 'empty' } : { kind: 'delivery', deliveryId: `dlv_${head}` };
  });
  h = new WorkflowHarness({ activities: { laneHead }, ...opts });
  const t0 = h.now;
  const arrive = (n: number) => h.signal(arriveSignal, member(n));
  /** Delivery n ends: its row first (it is no longer pending), then its run's leave. */
  const end = (n: number) => {
    db.pending = db.pending.filter((p) => p !== n);
  };
  const leave = async (n: number) => {
    end(n);
    await h.signal(leaveSignal, { deliveryId: `dlv_${n}` });
  };
  /** The deliveries given a turn, in order (every external signal is a laneTurn to a member's run). */
  const turns = () =>
    h.externalSignals.map((s) => {
      expect(s.signal).toBe(laneTurnSignal.name);
      return Number(/^delivery:evt_(\d+):/.exec(s.workflowId)![1]);
    });
  /** When the lane read the database, relative to the start. */
  const reads = () => h.activityCalls.filter((c) => c.name === 'laneHead').map((c) => c.atMs - t0);
  const lane = () => h.query<LaneStatus>(laneQuery);
  /** The first arrival opens the lane (joinLane's signal-with-start). */
  const open = (n: number) => h.signalWithStart(arriveSignal, [member(n)], deliveryLane, ref);
  return { db, laneHead, arrive, end, leave, turns, reads, lane, open };
}

describe('deliveryLane: turns', () => {
  it('gives the turn only to the head, once it has arrived; a later arrival waits', async () => {
    const { arrive, turns, lane, open } = setUp([1, 2, 3]);
    await open(2);
    expect(turns()).toEqual([]);
    expect(lane()).toEqual({ current: null, arrived: [member(2)], granted: 0 });
    await arrive(3);
    expect(turns()).toEqual([]);
    await arrive(1);
    expect(h.externalSignals).toEqual([
      { workflowId: member(1).workflowId, signal: 'laneTurn', args: [], atMs: h.now },
    ]);
    expect(lane()).toEqual({ current: member(1), arrived: [member(2), member(3)], granted: 1 });
    expect(h.outcome().status).toBe('running');
  });

  it('gives the next turn only after the holder leaves, however long it holds the lane', async () => {
    const { arrive, leave, turns, lane, open } = setUp([1, 2, 3]);
    await open(1);
    await arrive(2);
    await arrive(3);
    // Countdown retries hold the lane: hours pass, safety re-reads find it still the head.
    await h.advance(5 * LANE_SAFETY_RECHECK_MS);
    expect(turns()).toEqual([1]);
    await arrive(1); // joinLane retried: the holder is not queued again
    expect(lane()).toEqual({ current: member(1), arrived: [member(2), member(3)], granted: 1 });
    await leave(1);
    expect(turns()).toEqual([1, 2]);
    expect(lane()).toEqual({ current: member(2), arrived: [member(3)], granted: 2 });
    await leave(2);
    expect(turns()).toEqual([1, 2, 3]);
    await leave(3);
    expect(lane()).toEqual({ current: null, arrived: [], granted: 3 });
  });

  it('drops a waiting member that leaves (cancelled): it never gets a turn', async () => {
    const { arrive, leave, turns, lane, open } = setUp([1, 2, 3]);
    await open(1);
    await arrive(2);
    await arrive(3);
    await leave(2);
    expect(lane()).toEqual({ current: member(1), arrived: [member(3)], granted: 1 });
    await leave(1);
    expect(turns()).toEqual([1, 3]);
    await h.advance(LANE_IDLE_MS);
    expect(turns()).toEqual([1, 3]);
  });

  it('looks again every LANE_BLOCKED_RECHECK_MS while an earlier event is unplanned and someone waits', async () => {
    const { db, turns, reads, open } = setUp([1]);
    db.blocked = true;
    await open(1);
    await h.advance(LANE_BLOCKED_RECHECK_MS - 1);
    expect(reads()).toEqual([0]);
    await h.advance(1);
    expect(reads()).toEqual([0, LANE_BLOCKED_RECHECK_MS]);
    expect(turns()).toEqual([]);
    db.blocked = false; // the event is planned, with no delivery ahead of 1
    await h.advance(LANE_BLOCKED_RECHECK_MS);
    expect(reads()).toEqual([0, LANE_BLOCKED_RECHECK_MS, 2 * LANE_BLOCKED_RECHECK_MS]);
    expect(turns()).toEqual([1]);
  });

  it('waits for a head that has not arrived (in its delay), looking again every LANE_SAFETY_RECHECK_MS', async () => {
    const { arrive, turns, reads, open } = setUp([1, 2]);
    await open(2);
    await h.advance(LANE_SAFETY_RECHECK_MS);
    expect(reads()).toEqual([0, LANE_SAFETY_RECHECK_MS]);
    expect(turns()).toEqual([]);
    await arrive(1);
    expect(turns()).toEqual([1]);
  });
});

describe('deliveryLane: runs that end without telling it', () => {
  it.each([
    ['kept', 'its row is still pending (in its countdown)', [1, 2]],
    ['released', 'its row ended and the head moved to the next delivery', [2]],
    ['released', 'its row ended and nothing is pending', []],
  ] as const)(
    'a holder silent for LANE_SAFETY_RECHECK_MS is %s when %s',
    async (verdict, _when, pendingAfter) => {
      const { db, arrive, turns, lane, open } = setUp([1, 2]);
      await open(1);
      if (pendingAfter.length) await arrive(2);
      db.pending = [...pendingAfter]; // a terminated run: its row was settled, no leave came
      await h.advance(LANE_SAFETY_RECHECK_MS - 1);
      expect(lane().current).toEqual(member(1));
      await h.advance(1);
      if (verdict === 'kept') {
        expect(lane().current).toEqual(member(1));
        expect(turns()).toEqual([1]);
        expect(h.logs).toEqual([]);
        return;
      }
      expect(h.logs).toContainEqual({
        level: 'warn',
        message: 'lane holder ended without leaving; lane released',
        attrs: { deliveryId: 'dlv_1' },
      });
      expect(lane().current).toEqual(pendingAfter.length ? member(2) : null);
      expect(turns()).toEqual(pendingAfter.length ? [1, 2] : [1]);
    },
  );

  it('releases the lane when the turn cannot be signalled (the run is gone); the head’s new run gets it', async () => {
    let lost = 1; // the first turn's signal finds no run
    const { arrive, turns, lane, open } = setUp([1, 2], {
      externalSignal: () => {
        if (lost-- > 0) throw new Error('workflow execution not found');
      },
    });
    await open(2);
    await arrive(1);
    expect(turns()).toEqual([1]);
    expect(lane()).toEqual({ current: null, arrived: [member(2)], granted: 1 });
    expect(h.logs).toContainEqual(
      expect.objectContaining({ level: 'warn', message: 'lane turn could not be given' }),
    );
    // Nobody will leave for the lost run; 2 still waits behind 1's pending row, and 1's restarted
    // run (the sweep) joins again and is let through.
    await h.advance(LANE_SAFETY_RECHECK_MS);
    expect(turns()).toEqual([1]);
    await arrive(1);
    expect(turns()).toEqual([1, 1]);
    expect(lane()).toEqual({ current: member(1), arrived: [member(2)], granted: 2 });
  });

  it('after a lost turn, lets the next delivery through once the lost one’s row has ended', async () => {
    const { end, arrive, turns, lane, open } = setUp([1, 2], {
      externalSignal: (call) => {
        if (call.workflowId === member(1).workflowId) throw new Error('workflow execution not found');
      },
    });
    await open(2);
    await arrive(1);
    expect(lane().current).toBeNull();
    end(1); // settled by someone else (cancelled through the API): no run to leave
    await h.advance(LANE_SAFETY_RECHECK_MS);
    expect(turns()).toEqual([1, 2]);
    expect(lane().current).toEqual(member(2));
  });
});

describe('deliveryLane: signals during a read', () => {
  // Signals are handled before a local activity's result in one activation (Temporal's job order),
  // so the answer of a read may predate what the lane has just been told.
  it('keeps a member that arrived while a read found the lane empty, and gives it its turn', async () => {
    const { db, laneHead, arrive, turns, lane } = setUp([]);
    const slowRead = deferred<LaneHead>();
    laneHead.mockImplementationOnce(() => slowRead.promise);
    // A cancelled delivery's leave opens the lane; its read starts while nothing is pending.
    await h.signalWithStart(leaveSignal, [{ deliveryId: 'dlv_0' }], deliveryLane, ref);
    db.pending = [1]; // delivery 1 is planned, and its run joins before the read answers
    await arrive(1);
    slowRead.resolve({ kind: 'empty' });
    await h.settle();
    expect(turns()).toEqual([1]);
    expect(lane()).toEqual({ current: member(1), arrived: [], granted: 1 });
  });

  it('gives the turn to a head that arrived during the read that named it', async () => {
    const { laneHead, arrive, turns, open } = setUp([1, 2]);
    await open(2);
    const slowRead = deferred<LaneHead>();
    laneHead.mockImplementationOnce(() => slowRead.promise);
    await h.advance(LANE_SAFETY_RECHECK_MS);
    await arrive(1);
    slowRead.resolve({ kind: 'delivery', deliveryId: 'dlv_1' });
    await h.settle();
    expect(turns()).toEqual([1]);
  });
});

describe('deliveryLane: closing', () => {
  it.each([
    ['its last holder has left', { pending: [1], blocked: false, held: true }],
    ['a leave opened it with nothing pending', { pending: [], blocked: false, held: false }],
    [
      'the head has not arrived (in its delay) and nobody waits',
      { pending: [1], blocked: false, held: false },
    ],
    ['an earlier event is unplanned and nobody waits', { pending: [1], blocked: true, held: false }],
  ])('completes LANE_IDLE_MS after %s, reading nothing meanwhile', async (_name, lane) => {
    const { db, leave, reads, open } = setUp(lane.pending);
    db.blocked = lane.blocked;
    if (lane.held) {
      await open(1);
      await leave(1);
    } else {
      // A cancelled delivery's leave (signal-with-start) opens a lane that had closed.
      await h.signalWithStart(leaveSignal, [{ deliveryId: 'dlv_0' }], deliveryLane, ref);
    }
    const idleSince = h.now;
    const readsBefore = reads();
    await h.advance(LANE_IDLE_MS - 1);
    expect(h.outcome().status).toBe('running');
    await h.advance(1);
    expect(h.outcome()).toEqual({ status: 'completed', result: undefined });
    expect(h.now - idleSince).toBe(LANE_IDLE_MS);
    expect(reads()).toEqual(readsBefore);
  });

  it('stays open for an arrival within the idle grace and gives it its turn', async () => {
    const { db, arrive, leave, turns, open } = setUp([1]);
    await open(1);
    await leave(1);
    await h.advance(LANE_IDLE_MS - 1);
    db.pending.push(2);
    await arrive(2);
    expect(turns()).toEqual([1, 2]);
    await h.advance(LANE_IDLE_MS);
    expect(h.outcome().status).toBe('running');
    await leave(2);
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: undefined });
  });

  it('looks again at a leave within the idle grace, and the grace starts over', async () => {
    const { reads, leave, open } = setUp([1]);
    await open(1);
    await leave(1);
    await h.advance(LANE_IDLE_MS - 1);
    // A delivery cancelled before its run joined: its leave reaches the open lane.
    await h.signal(leaveSignal, { deliveryId: 'dlv_9' });
    expect(reads()).toEqual([0, 0, LANE_IDLE_MS - 1]);
    await h.advance(LANE_IDLE_MS - 1);
    expect(h.outcome().status).toBe('running');
    await h.advance(1);
    expect(h.outcome()).toEqual({ status: 'completed', result: undefined });
  });

  it('forgets a waiting member whose row ended without a leave once nothing is pending, and closes', async () => {
    const { end, arrive, leave, lane, open } = setUp([1, 2]);
    await open(1);
    await arrive(2);
    end(2); // its run was terminated and its row cancelled: no leave will come
    await leave(1);
    expect(lane()).toEqual({ current: null, arrived: [], granted: 1 });
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: undefined });
  });
});

describe('deliveryLane: continue-as-new', () => {
  it('continues as new after LANE_TURNS_PER_RUN turns, carrying who waits; the next run carries on', async () => {
    const N = LANE_TURNS_PER_RUN;
    const all = Array.from({ length: N + 2 }, (_, i) => i + 1);
    const { arrive, leave, turns, lane, open } = setUp(all);
    await open(N + 2);
    await arrive(N + 1);
    for (let n = 1; n < N; n++) {
      await arrive(n);
      await leave(n);
    }
    await arrive(N);
    expect(lane()).toMatchObject({ current: member(N), granted: N });
    expect(h.outcome().status).toBe('running'); // the last turn's holder keeps the run
    await leave(N);
    expect(h.outcome()).toEqual({
      status: 'continuedAsNew',
      // In no particular order; the next run shows that nothing else was carried.
      args: [
        { ...ref, carry: { current: null, arrived: expect.arrayContaining([member(N + 1), member(N + 2)]) } },
      ],
    });
    expect(turns()).toEqual(all.slice(0, N));

    await h.continueAsNew();
    expect(turns()).toEqual(all.slice(0, N + 1));
    expect(lane()).toEqual({ current: member(N + 1), arrived: [member(N + 2)], granted: 1 });
    await leave(N + 1);
    await leave(N + 2);
    expect(turns()).toEqual(all);
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: undefined });
  });

  it('continues as new when Temporal suggests it, once the holder has left', async () => {
    const { arrive, leave, open } = setUp([1, 2]);
    await open(1);
    await arrive(2);
    h.continueAsNewSuggested = true;
    await h.advance(LANE_SAFETY_RECHECK_MS);
    expect(h.outcome().status).toBe('running');
    await leave(1);
    expect(h.outcome()).toEqual({
      status: 'continuedAsNew',
      args: [{ ...ref, carry: { current: null, arrived: [member(2)] } }],
    });
  });

  it('a run started with a carried holder keeps it until it leaves, then lets the next through', async () => {
    const { arrive, leave, turns, lane } = setUp([1, 2, 3]);
    await h.start(deliveryLane, { ...ref, carry: { current: member(1), arrived: [member(3)] } });
    expect(lane()).toEqual({ current: member(1), arrived: [member(3)], granted: 0 });
    await arrive(2);
    await h.advance(LANE_SAFETY_RECHECK_MS);
    expect(turns()).toEqual([]);
    await leave(1);
    expect(turns()).toEqual([2]);
    await leave(2);
    expect(turns()).toEqual([2, 3]);
    expect(lane()).toEqual({ current: member(3), arrived: [], granted: 2 });
  });
});
