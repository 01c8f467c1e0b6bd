// The console's view of the REST contract: every type is the API's own zod schema (src/schemas),
// imported as a type only, so nothing is hand-copied and nothing of zod reaches the bundle.
import type { z } from 'zod';
import type {
  accountSchema,
  apiKeySchema,
  createdAccountSchema,
  createdKeySchema,
} from '../../../src/schemas/accounts';
import type {
  channelSchema,
  createChannelBody,
  createdChannelSchema,
  patchChannelBody,
} from '../../../src/schemas/channels';
import type { attemptSchema, deliverySchema, deliveryStatus } from '../../../src/schemas/deliveries';
import type { eventSchema, eventTypeSchema, eventWithDeliveriesSchema } from '../../../src/schemas/events';
import type {
  channelJobSchema,
  jobRunDetailSchema,
  jobRunSchema,
  jobTypeSchema,
  putRecurringJobBody,
  recurringJobSchema,
} from '../../../src/schemas/jobs';
import type { createWebhookBody, updateWebhookBody, webhookSchema } from '../../../src/schemas/webhooks';

export type Account = z.output<typeof accountSchema>;
export type CreatedAccount = z.output<typeof createdAccountSchema>;
export type ApiKey = z.output<typeof apiKeySchema>;
export type CreatedKey = z.output<typeof createdKeySchema>;

export type Webhook = z.output<typeof webhookSchema>;
/** What the form sends: the request body before the API fills its defaults. */
export type CreateWebhook = z.input<typeof createWebhookBody>;
export type UpdateWebhook = z.input<typeof updateWebhookBody>;

export type EventType = z.output<typeof eventTypeSchema>;
export type Event = z.output<typeof eventSchema>;
export type EventWithDeliveries = z.output<typeof eventWithDeliveriesSchema>;

export type Delivery = z.output<typeof deliverySchema>;
export type DeliveryStatus = z.output<typeof deliveryStatus>;
export type Attempt = z.output<typeof attemptSchema>;

export type Channel = z.output<typeof channelSchema>;
export type CreatedChannel = z.output<typeof createdChannelSchema>;
export type CreateChannel = z.input<typeof createChannelBody>;
export type PatchChannel = z.input<typeof patchChannelBody>;
export type JobType = z.output<typeof jobTypeSchema>;
export type ChannelJob = z.output<typeof channelJobSchema>;
export type JobRun = z.output<typeof jobRunSchema>;
export type JobRunDetail = z.output<typeof jobRunDetailSchema>;
export type RecurringJob = z.output<typeof recurringJobSchema>;
export type PutRecurringJob = z.input<typeof putRecurringJobBody>;

/** Every list answer: a page and the cursor of the next (older) one. */
export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

// Webhooks screen.
import type { rotatedSecretSchema } from '../../../src/schemas/common';
export type RotatedSecret = z.output<typeof rotatedSecretSchema>;
