import { z } from 'zod';
import { EVENT_TYPES, isKnownEventType, isOperationalType } from '../rules/eventTypes';
import { oneOfPattern, timestamp, timestampInput } from './common';

export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:~-]{1,200}$/;
export const eventId = z
  .string()
  .regex(EVENT_ID_PATTERN, 'must be 1–200 characters of letters, digits and . _ : ~ -');

const orderingKey = z
  .string()
  .min(1)
  .max(200)
  .meta({
    description:
      'An order number, a package id: for a webhook with `ordering: "per_key"`, the deliveries of ' +
      'events sharing this key are attempted in the order the events were accepted',
    example: 'ORD-1234',
  });

/** The fields of a posted event that its envelope is made of (also POST /v1/filters/evaluate's event). */
/**
 * An event's type as a client may send it: a catalogue type other than webhook.test and, unless
 * `operational` (a filter's trial event may be one), other than the switchyard.* types only
 * Switchyard emits.
 */
function eventType(operational: boolean) {
  const allowed = (t: string) => t !== 'webhook.test' && (operational || !isOperationalType(t));
  return z
    .string()
    .refine(isKnownEventType, 'is not a catalogue event type (GET /v1/event-types)')
    .refine((t) => t !== 'webhook.test', 'webhook.test events are sent with POST /v1/webhooks/{id}/test')
    .refine((t) => operational || !isOperationalType(t), 'switchyard.* events are emitted by Switchyard only')
    .meta({
      description: operational
        ? 'A catalogue event type (GET /v1/event-types) other than webhook.test'
        : 'A catalogue event type (GET /v1/event-types) other than webhook.test and the operational ' +
          'switchyard.* types, which only Switchyard emits',
      pattern: oneOfPattern(EVENT_TYPES.map((e) => e.type).filter(allowed)),
    });
}

export const eventInput = {
  id: eventId.optional(),
  type: eventType(true),
  goods_owner_id: z.string().min(1).max(200).nullable().optional(),
  occurred_at: timestampInput.optional(),
  payload: z.record(z.string(), z.unknown(), { message: 'must be a JSON object' }).meta({
    description:
      'Any JSON object, sent to targets as it is. Like every body: at most 64 levels of nesting (the ' +
      'body counts as one), no NUL characters or unpaired surrogates in strings or keys, and numbers ' +
      'exact in a double (integers within ±2^53; send larger ones as strings).',
  }),
};

export const createEventBody = z
  .strictObject({
    id: eventInput.id,
    type: eventType(false),
    goods_owner_id: eventInput.goods_owner_id,
    ordering_key: orderingKey.optional(),
    occurred_at: eventInput.occurred_at,
    payload: eventInput.payload,
  })
  .meta({ id: 'CreateEvent' });

export type CreateEventBody = z.infer<typeof createEventBody>;

export const idempotencyKey = eventId;

const deliveryRef = z.object({
  id: z.string(),
  webhook_id: z.string(),
  status: z.enum(['pending', 'delivered', 'failed', 'cancelled']),
});

export const eventSchema = z
  .object({
    id: z.string(),
    message_id: z.string().meta({
      description:
        "Switchyard's id for the event (msg_...), assigned at acceptance and unique across accounts: " +
        'the webhook-id of every request for it, on every attempt and webhook. Receivers dedupe on it.',
    }),
    type: z.string(),
    goods_owner_id: z.string().nullable(),
    ordering_key: z.string().nullable(),
    occurred_at: timestamp,
    payload: z.record(z.string(), z.unknown()),
    created_at: timestamp,
  })
  .meta({ id: 'Event' });

export const eventWithDeliveriesSchema = eventSchema
  .extend({ deliveries: z.array(deliveryRef) })
  .meta({ id: 'EventWithDeliveries' });

export const eventListQuery = z.object({
  type: z.string().max(200).optional(),
  goods_owner_id: z.string().max(200).optional(),
});

export const eventTypeSchema = z
  .object({ type: z.string(), group: z.string(), description: z.string() })
  .meta({ id: 'EventType' });
