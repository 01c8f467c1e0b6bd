import { describe, expect, it } from 'vitest';
import { isKnownEventType, isOperationalType } from '../../src/rules/eventTypes';
import {
  deliveryFailed,
  emergencyJobStarted,
  jobRunFailed,
  operationalEventId,
  webhookDisabled,
} from '../../src/rules/operationalEvents';

const at = { accountId: 'acc_1', occurredAt: new Date('2026-01-02T03:04:05Z') };
const failure = {
  delivery_id: 'dlv_1',
  event_id: 'evt-1',
  event_type: 'package.created',
  webhook_id: 'whk_1',
  attempts: 3,
  last_error: 'HTTP 500',
};
const run = { id: 'jrun_1', channel_id: 'chn_1', job_type: 'orders.import', trigger: 'manual' };

describe('operational events', () => {
  it('take catalogue types of the switchyard group, with the payload of the contract', () => {
    const events = [
      deliveryFailed({ ...at, goodsOwnerId: 'GO-1' }, 1, failure),
      webhookDisabled(
        { ...at, goodsOwnerId: null },
        { deliveryId: 'dlv_1', number: 1 },
        { webhook_id: 'whk_1', reason: 'the target answered 410 Gone' },
      ),
      jobRunFailed(at, run, 'HTTP 500'),
      emergencyJobStarted(at, {
        job_run_id: 'jrun_2',
        channel_id: 'chn_1',
        job_type: 'orders.import',
        last_success_at: null,
      }),
    ];
    for (const e of events) {
      expect(isKnownEventType(e.type) && isOperationalType(e.type), e.type).toBe(true);
    }
    expect(events.map((e) => Object.keys(e.payload).sort())).toEqual([
      ['attempts', 'delivery_id', 'event_id', 'event_type', 'last_error', 'webhook_id'],
      ['reason', 'webhook_id'],
      ['channel_id', 'error', 'job_run_id', 'job_type', 'trigger'],
      ['channel_id', 'job_run_id', 'job_type', 'last_success_at'],
    ]);
    expect(events[0]!.goodsOwnerId).toBe('GO-1');
    expect(events.slice(1).map((e) => e.goodsOwnerId)).toEqual([null, null, null]);
    expect(events[2]!.payload).toEqual({
      job_run_id: 'jrun_1',
      channel_id: 'chn_1',
      job_type: 'orders.import',
      trigger: 'manual',
      error: 'HTTP 500',
    });
  });

  it('derive their id from the cause: the same cause, the same id; another cause, another id', () => {
    const id = (e: { type: string; cause: string }) => operationalEventId(e.type, e.cause);
    const first = id(deliveryFailed({ ...at, goodsOwnerId: null }, 1, failure));
    // A retry of the same cause, at another time, with another error text: the same id.
    const again = id(
      deliveryFailed({ ...at, occurredAt: new Date(), goodsOwnerId: null }, 1, {
        ...failure,
        attempts: 4,
        last_error: 'x',
      }),
    );
    expect(first).toMatch(/^op_[0-9a-f]{32}$/);
    expect(again).toBe(first);
    const others = [
      id(deliveryFailed({ ...at, goodsOwnerId: null }, 2, failure)), // a resend's cycle
      id(deliveryFailed({ ...at, goodsOwnerId: null }, 1, { ...failure, delivery_id: 'dlv_2' })),
      id(
        webhookDisabled(
          { ...at, goodsOwnerId: null },
          { deliveryId: 'dlv_1', number: 1 },
          { webhook_id: 'whk_1', reason: 'r' },
        ),
      ),
      id(
        webhookDisabled(
          { ...at, goodsOwnerId: null },
          { deliveryId: 'dlv_1', number: 2 },
          { webhook_id: 'whk_1', reason: 'r' },
        ),
      ),
      id(jobRunFailed(at, run, null)),
      id(
        emergencyJobStarted(at, {
          job_run_id: 'jrun_1',
          channel_id: 'chn_1',
          job_type: 'orders.import',
          last_success_at: null,
        }),
      ),
    ];
    expect(new Set([first, ...others]).size).toBe(others.length + 1);
  });
});
