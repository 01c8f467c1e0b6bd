import { z } from 'zod';
import { EVENT_TYPES, isKnownEventType, isOperationalType } from '../rules/eventTypes';
import { oneOfPattern, timestamp, timestampInput } from './common';

export const EVENT_ID_PATTERN = /^[A-Za-z0-9._:~-]{1,200}$/;
const eventId = z
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

export const createEventBody = z
  .strictObject({
    id: eventId.optional(),
    type: z
      .string()
      .refine(isKnownEventType, 'is not a catalogue event type (GET /v1/event-types)')
      .refine((t) => t !== 'webhook.test', 'webhook.test events are sent with POST /v1/webhooks/{id}/test')
      .refine((t) => !isOperationalType(t), 'switchyard.* events are emitted by Switchyard only')
      .meta({
        description:
          'A catalogue event type (GET /v1/event-types) other than webhook.test and the operational ' +
          'switchyard.* types, which only Switchyard emits',
        pattern: oneOfPattern(
          EVENT_TYPES.map((e) => e.type).filter((t) => t !== 'webhook.test' && !isOperationalType(t)),
        ),
      }),
    goods_owner_id: z.string().min(1).max(200).nullable().optional(),
    ordering_key: orderingKey.optional(),
    occurred_at: timestampInput.optional(),
    payload: z.record(z.string(), z.unknown(), { message: 'must be a JSON object' }).meta({
      description:
        'Any JSON object, sent to targets as it is. Like every body: at most 64 levels of nesting (the ' +
        'body counts as one), no NUL characters or unpaired surrogates in strings or keys, and numbers ' +
        'exact in a double (integers within ±2^53; send larger ones as strings).',
    }),
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
