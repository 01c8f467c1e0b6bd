import { z } from 'zod';
import { timestamp } from './common';

export const deliveryStatus = z.enum(['pending', 'delivered', 'failed', 'cancelled']);

export const attemptSchema = z.object({
  number: z.number().int(),
  started_at: timestamp,
  duration_ms: z.number().int(),
  status_code: z.number().int().nullable(),
  error: z.string().nullable(),
  response_body: z.string().nullable().meta({ description: 'Truncated to 16 KiB' }),
});

export const deliverySchema = z
  .object({
    id: z.string(),
    event_id: z.string(),
    webhook_id: z.string(),
    status: deliveryStatus,
    attempts: z.array(attemptSchema),
    next_attempt_at: timestamp.nullable().meta({
      description:
        'When the next attempt is due: after a retry countdown, or when a rate-limited delivery ' +
        'expects its token',
    }),
    waiting_for: z
      .string()
      .nullable()
      .meta({
        description:
          'For a pending delivery in an ordered lane: the delivery of the same webhook and ' +
          '`ordering_key` it waits for (null when it holds the lane or has none)',
      }),
    created_at: timestamp,
    finished_at: timestamp.nullable(),
    workflow_id: z.string(),
    last_error: z.string().nullable(),
  })
  .meta({ id: 'Delivery' });

export const deliveryListQuery = z.object({
  webhook_id: z.string().max(200).optional(),
  event_id: z.string().max(200).optional(),
  status: deliveryStatus.optional(),
});
