// The deliveries service's retry and cancel decisions, against an in-memory stand-in for the few
// knex queries they make and a fake Temporal client: which signal or start each case sends, and
// what happens to the row. The same paths against PostgreSQL and a server: test/api/deliveries.test.ts.
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import { describe, expect, it, vi } from 'vitest';
import type { Db } from '../../../src/db/knex';
import { ConflictError } from '../../../src/errors';
import {
  createDeliveriesService,
  PREVIOUS_RUN_WAIT_MS,
  type DeliveryRow,
} from '../../../src/services/deliveries';
import type { ServiceDeps } from '../../../src/services/deps';
import { createWebhooksService, type WebhookRow } from '../../../src/services/webhooks';

type Row = Record<string, unknown>;

/**
 * Tables in memory, answering `db(table).where({...}).whereNull(col).first()` and `.update({...})`
 * (the number of rows changed), which is all retry and cancel ask of knex.
 */
function fakeDb(tables: Record<string, Row[]>): Db {
  return ((table: string) => {
    const tests: Array<(r: Row) => boolean> = [];
    const matching = () => (tables[table] ?? []).filter((r) => tests.every((t) => t(r)));
    const query = {
      where(cond: Row) {
        tests.push((r) => Object.entries(cond).every(([k, v]) => r[k] === v));
        return query;
      },
      whereNull(column: string) {
        tests.push((r) => r[column] == null);
        return query;
      },
      // A copy, as from the database: a later update does not change what was read.
      first: async () => {
        const [row] = matching();
        return row && { ...row };
      },
      update: async (values: Row) => {
        const rows = matching();
        for (const r of rows) Object.assign(r, values);
        return rows.length;
      },
    };
    return query;
  }) as unknown as Db;
}

/** A Temporal client whose workflow calls are mocks; `signal` answers for every handle. */
function fakeTemporal() {
  const signal = vi.fn(async (_def: { name: string }) => undefined);
  const result = vi.fn(async () => 'failed');
  const workflow = {
    getHandle: vi.fn((workflowId: string) => ({ workflowId, signal, result })),
    start: vi.fn(async (_type: string, options: { workflowId: string }) => ({
      workflowId: options.workflowId,
      result,
    })),
    signalWithStart: vi.fn(async (_type: string, _options: Row) => ({})),
  };
  return { client: { workflow } as unknown as Client, workflow, signal, result };
}

function setUp(delivery: Partial<DeliveryRow> = {}, webhook: Partial<WebhookRow> = {}) {
  const row: Row = {
    id: 'dlv_1',
    account_id: 'acc_1',
    event_id: 'evt_1',
    webhook_id: 'wh_1',
    status: 'pending',
    cycle: 1,
    attempt_count: 3,
    next_attempt_at: new Date('2026-01-01T01:00:00Z'),
    last_error: 'HTTP 500',
    workflow_id: 'delivery:evt_1:wh_1',
    is_test: false,
    finished_at: null,
    ...delivery,
  };
  const db = fakeDb({
    deliveries: [row],
    webhooks: [
      { id: 'wh_1', account_id: 'acc_1', enabled: true, deleted_at: null, disabled_reason: null, ...webhook },
    ],
    events: [{ account_id: 'acc_1', id: 'evt_1', type: 'order.created', goods_owner_id: 'go_1' }],
  });
  const temporal = fakeTemporal();
  const deps = { db, temporal: temporal.client, searchAttributes: false } as unknown as ServiceDeps;
  const service = createDeliveriesService(deps, createWebhooksService(deps));
  return { service, row, ...temporal };
}

/** The input of a signal-with-start for the pending delivery of setUp({ cycle: 2, attempt_count: 4 }). */
const PENDING_START_ARGS = [
  { deliveryId: 'dlv_1', delayMs: null, cycle: 2, firstAttemptNumber: 5, test: false, startedBySignal: true },
];

describe('deliveries service: retry', () => {
  // Signal-with-start, never a plain signal: a run in its start delay (the webhook's `delay`) wakes
  // only for that. An open run is signalled; with none, the start begins one.
  it('signals retryNow to a pending delivery with signal-with-start, its start attempting at once, numbering attempts on', async () => {
    const t = setUp({ cycle: 2, attempt_count: 4 });
    await t.service.retry('acc_1', 'dlv_1');
    expect(t.workflow.signalWithStart).toHaveBeenCalledExactlyOnceWith(
      'deliverWebhook',
      expect.objectContaining({
        workflowId: 'delivery:evt_1:wh_1',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE',
        args: PENDING_START_ARGS,
        signal: expect.objectContaining({ name: 'retryNow' }),
        signalArgs: [],
      }),
    );
    expect(t.signal).not.toHaveBeenCalled();
    expect(t.workflow.start).not.toHaveBeenCalled();
    expect(t.row).toMatchObject({ status: 'pending', cycle: 2 });
  });

  it('passes on a failure to signal', async () => {
    const t = setUp();
    const down = new Error('connection refused');
    t.workflow.signalWithStart.mockRejectedValueOnce(down);
    await expect(t.service.retry('acc_1', 'dlv_1')).rejects.toBe(down);
  });

  it('refuses while the webhook is disabled, sending nothing', async () => {
    const t = setUp({}, { enabled: false, disabled_reason: 'the target answered 410 Gone' });
    await expect(t.service.retry('acc_1', 'dlv_1')).rejects.toThrow(ConflictError);
    await expect(t.service.retry('acc_1', 'dlv_1')).rejects.toThrow(/410 Gone/);
    expect(t.signal).not.toHaveBeenCalled();
    expect(t.workflow.start).not.toHaveBeenCalled();
  });

  it('sends a finished delivery again as the next cycle, its row pending again', async () => {
    const t = setUp({
      status: 'failed',
      cycle: 1,
      attempt_count: 11,
      finished_at: new Date(),
      next_attempt_at: null,
    });
    await t.service.retry('acc_1', 'dlv_1');
    expect(t.row).toMatchObject({ status: 'pending', cycle: 2, finished_at: null, next_attempt_at: null });
    expect(t.workflow.start).toHaveBeenCalledExactlyOnceWith(
      'deliverWebhook',
      expect.objectContaining({
        workflowId: 'delivery:evt_1:wh_1',
        args: [{ deliveryId: 'dlv_1', delayMs: null, cycle: 2, firstAttemptNumber: 12, test: false }],
        staticSummary: 'order.created evt_1 → webhook wh_1 (cycle 2)',
      }),
    );
    expect(t.signal).not.toHaveBeenCalled();
  });

  it('waits for the previous cycle’s run to close when its id is still taken, then starts', async () => {
    const t = setUp({ status: 'delivered' });
    t.workflow.start.mockRejectedValueOnce(
      new WorkflowExecutionAlreadyStartedError('already started', 'delivery:evt_1:wh_1', 'deliverWebhook'),
    );
    await t.service.retry('acc_1', 'dlv_1');
    expect(t.result).toHaveBeenCalledTimes(1);
    expect(t.workflow.start).toHaveBeenCalledTimes(2);
    expect(t.row).toMatchObject({ status: 'pending', cycle: 2 });
  });

  it('answers 409 and puts the row back when the previous run does not close within the bound', async () => {
    vi.useFakeTimers();
    try {
      const finishedAt = new Date('2026-01-02T00:00:00Z');
      const t = setUp({ status: 'failed', cycle: 1, finished_at: finishedAt });
      t.workflow.start.mockRejectedValue(
        new WorkflowExecutionAlreadyStartedError('already started', 'delivery:evt_1:wh_1', 'deliverWebhook'),
      );
      // The previous run hangs in an attempt: its result never comes.
      t.result.mockImplementation(() => new Promise<string>(() => undefined));
      const retried = t.service.retry('acc_1', 'dlv_1');
      const outcome = expect(retried).rejects.toThrow(/previous run is still finishing/);
      await vi.advanceTimersByTimeAsync(PREVIOUS_RUN_WAIT_MS + 1);
      await outcome;
      await expect(retried).rejects.toBeInstanceOf(ConflictError);
      expect(t.row).toMatchObject({ status: 'failed', cycle: 1, finished_at: finishedAt });
    } finally {
      vi.useRealTimers();
    }
  });

  it('puts the row back when the next cycle cannot start', async () => {
    const finishedAt = new Date('2026-01-02T00:00:00Z');
    const t = setUp({ status: 'failed', cycle: 3, finished_at: finishedAt });
    t.workflow.start.mockRejectedValueOnce(new Error('connection refused'));
    await expect(t.service.retry('acc_1', 'dlv_1')).rejects.toThrow('connection refused');
    expect(t.row).toMatchObject({ status: 'failed', cycle: 3, finished_at: finishedAt });
  });
});

describe('deliveries service: cancel', () => {
  it('signals cancel to a pending delivery’s run with signal-with-start, never over a run that ended, and leaves the row to the workflow', async () => {
    const t = setUp({ cycle: 2, attempt_count: 4 });
    await t.service.cancel('acc_1', 'dlv_1');
    expect(t.workflow.signalWithStart).toHaveBeenCalledExactlyOnceWith(
      'deliverWebhook',
      expect.objectContaining({
        workflowId: 'delivery:evt_1:wh_1',
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: PENDING_START_ARGS,
        signal: expect.objectContaining({ name: 'cancel' }),
        signalArgs: [],
      }),
    );
    expect(t.signal).not.toHaveBeenCalled();
    expect(t.row).toMatchObject({ status: 'pending' });
  });

  it('settles the row itself when the pending delivery’s run has ended', async () => {
    const t = setUp();
    t.workflow.signalWithStart.mockRejectedValueOnce(
      new WorkflowExecutionAlreadyStartedError('already started', 'delivery:evt_1:wh_1', 'deliverWebhook'),
    );
    await t.service.cancel('acc_1', 'dlv_1');
    expect(t.row).toMatchObject({
      status: 'cancelled',
      next_attempt_at: null,
      finished_at: expect.any(Date),
    });
  });

  it.each(['delivered', 'failed', 'cancelled'] as const)('refuses a %s delivery', async (status) => {
    const t = setUp({ status });
    await expect(t.service.cancel('acc_1', 'dlv_1')).rejects.toThrow(ConflictError);
    expect(t.signal).not.toHaveBeenCalled();
    expect(t.workflow.signalWithStart).not.toHaveBeenCalled();
    expect(t.row).toMatchObject({ status });
  });

  it('passes on any other failure to signal, leaving the row', async () => {
    const t = setUp();
    t.workflow.signalWithStart.mockRejectedValueOnce(new Error('connection refused'));
    await expect(t.service.cancel('acc_1', 'dlv_1')).rejects.toThrow('connection refused');
    expect(t.row).toMatchObject({ status: 'pending' });
  });
});
