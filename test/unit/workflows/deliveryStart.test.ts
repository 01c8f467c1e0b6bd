// deliverWebhookStart: which starts carry the webhook's delay as the start's `startDelay` (the
// server holds the first workflow task back) instead of a timer inside the workflow.
import { describe, expect, it } from 'vitest';
import {
  deliverWebhookStart,
  type DeliverInput,
  type DeliveryStarter,
} from '../../../src/workflows/webhooks/contract';

const H = 3_600_000;

const start = (input: Partial<DeliverInput>, starter: DeliveryStarter = { by: 'fanOut', eager: true }) =>
  deliverWebhookStart({
    input: { deliveryId: 'dlv_1', delayMs: null, cycle: 1, firstAttemptNumber: 1, test: false, ...input },
    workflowId: 'delivery:evt_1:wh_1',
    accountId: 'acc_1',
    eventId: 'evt_1',
    eventType: 'order.created',
    goodsOwnerId: null,
    webhookId: 'wh_1',
    starter,
    searchAttributes: false,
  }).options;

describe('deliverWebhookStart and the webhook delay', () => {
  it('delays a fan-out start on the server, the workflow input without a delay, and never eagerly', () => {
    for (const eager of [true, false]) {
      const options = start({ delayMs: H }, { by: 'fanOut', eager });
      expect(options).toMatchObject({
        startDelay: H,
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        args: [{ deliveryId: 'dlv_1', delayMs: null, startDelayMs: H, cycle: 1, firstAttemptNumber: 1 }],
      });
      expect(options).not.toHaveProperty('requestEagerStart');
    }
  });

  it('starts an undelayed fan-out delivery at once, eagerly when asked, its input unchanged', () => {
    for (const delayMs of [null, 0]) {
      const options = start({ delayMs });
      expect(options).toMatchObject({ requestEagerStart: true, args: [{ delayMs }] });
      expect(options).not.toHaveProperty('startDelay');
      expect(options.args[0]).not.toHaveProperty('startDelayMs');
    }
  });

  it('never delays a test delivery', () => {
    const options = start({ delayMs: H, test: true });
    expect(options).not.toHaveProperty('startDelay');
    expect(options.args[0]).not.toHaveProperty('startDelayMs');
  });

  it('never delays an operator’s start (resend, test, retry-now)', () => {
    const options = start({ delayMs: null, cycle: 2 }, { by: 'operator' });
    expect(options).toMatchObject({ workflowIdReusePolicy: 'ALLOW_DUPLICATE', args: [{ delayMs: null }] });
    expect(options).not.toHaveProperty('startDelay');
  });

  it('leaves a delay the workflow refuses in its input, for the workflow to fail the delivery with the reason', () => {
    const absurd = 104_249_991 * 24 * H;
    const options = start({ delayMs: absurd });
    expect(options).not.toHaveProperty('startDelay');
    expect(options.args[0]).toMatchObject({ delayMs: absurd });
  });
});
