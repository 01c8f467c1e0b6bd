// The operational events Switchyard emits itself (design.md, "Operational events"): their payloads,
// what causes each, and the id each takes. An operational event is recorded in the transaction of
// its cause under an id derived from that cause, so an activity retried, or a worker that dies
// between the cause and the dispatch, never emits it twice. Pure: no I/O.
import { createHash } from 'node:crypto';

export interface DeliveryFailedPayload {
  delivery_id: string;
  event_id: string;
  event_type: string;
  webhook_id: string;
  attempts: number;
  last_error: string | null;
}

export interface WebhookDisabledPayload {
  webhook_id: string;
  reason: string;
}

export interface JobRunFailedPayload {
  job_run_id: string;
  channel_id: string;
  job_type: string;
  trigger: string;
  error: string | null;
}

export interface EmergencyJobStartedPayload {
  job_run_id: string;
  channel_id: string;
  job_type: string;
  /** When a webhook job of this channel and type last succeeded; null: never. */
  last_success_at: string | null;
}

/** One operational event, as its cause records it. */
export type OperationalEvent = {
  accountId: string;
  /** Unique per cause (a delivery's cycle, a job run...): the event's id is derived from it. */
  cause: string;
  /** The goods owner it concerns, if any: a `regular` webhook of that owner receives it too. */
  goodsOwnerId: string | null;
  occurredAt: Date;
} & (
  | { type: 'switchyard.delivery.failed'; payload: DeliveryFailedPayload }
  | { type: 'switchyard.webhook.disabled'; payload: WebhookDisabledPayload }
  | { type: 'switchyard.job_run.failed'; payload: JobRunFailedPayload }
  | { type: 'switchyard.emergency_job.started'; payload: EmergencyJobStartedPayload }
);

type Common = Pick<OperationalEvent, 'accountId' | 'goodsOwnerId' | 'occurredAt'>;

/** `op_` and 128 bits of a hash of the type and the cause: the same cause, the same id. */
export function operationalEventId(type: string, cause: string): string {
  return `op_${createHash('sha256').update(`${type}\n${cause}`).digest('hex').slice(0, 32)}`;
}

/** A delivery failed for good in this cycle (a resend is a new cycle, which may fail again). */
export function deliveryFailed(
  common: Common,
  cycle: number,
  payload: DeliveryFailedPayload,
): OperationalEvent {
  return {
    ...common,
    type: 'switchyard.delivery.failed',
    cause: `${payload.delivery_id}:${cycle}`,
    payload,
  };
}

/** Switchyard disabled a webhook because of one attempt's answer (a 410, five days of failures). */
export function webhookDisabled(
  common: Common,
  attempt: { deliveryId: string; number: number },
  payload: WebhookDisabledPayload,
): OperationalEvent {
  return {
    ...common,
    type: 'switchyard.webhook.disabled',
    cause: `${payload.webhook_id}:${attempt.deliveryId}:${attempt.number}`,
    payload,
  };
}

/** A job run ended `failed` (runs are never resent: one per run). Job runs are the account's. */
export function jobRunFailed(
  at: { accountId: string; occurredAt: Date },
  run: { id: string; channel_id: string; job_type: string; trigger: string },
  error: string | null,
): OperationalEvent {
  return {
    ...at,
    goodsOwnerId: null,
    type: 'switchyard.job_run.failed',
    cause: run.id,
    payload: {
      job_run_id: run.id,
      channel_id: run.channel_id,
      job_type: run.job_type,
      trigger: run.trigger,
      error,
    },
  };
}

/** An emergency run was created (one per run). */
export function emergencyJobStarted(
  at: { accountId: string; occurredAt: Date },
  payload: EmergencyJobStartedPayload,
): OperationalEvent {
  return {
    ...at,
    goodsOwnerId: null,
    type: 'switchyard.emergency_job.started',
    cause: payload.job_run_id,
    payload,
  };
}
