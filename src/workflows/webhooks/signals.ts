import { defineQuery, defineSignal } from '@temporalio/workflow';

export type DeliveryState = 'waiting' | 'attempting' | 'retrying' | 'delivered' | 'failed' | 'cancelled';

export interface DeliveryStatus {
  state: DeliveryState;
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
}

/** Wake a sleeping delivery and attempt now. */
export const retryNowSignal = defineSignal('retryNow');
/** Stop a pending delivery; an attempt under way finishes first. */
export const cancelSignal = defineSignal('cancel');
/** Live state, for operators (Web UI "Queries" tab) and tests. */
export const statusQuery = defineQuery<DeliveryStatus>('status');
