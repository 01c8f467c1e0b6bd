import { z } from 'zod';
import { isValidPattern, validPatterns } from '../rules/eventTypes';
import { boundedDuration, delaySchema } from '../rules/duration';
import { HTTP_URL_PATTERN } from './common';
import { DEFAULT_MAX_ATTEMPTS } from '../rules/retryPolicy';
import { countdownConfigSchema, maxAttemptsSchema, retryPolicyNameSchema } from '../rules/retryPolicySchemas';
import {
  additionalHeadersSchema,
  BASIC_PASSWORD_MESSAGE,
  BASIC_PASSWORD_RE,
  BASIC_USERNAME_MESSAGE,
  BASIC_USERNAME_RE,
  BEARER_TOKEN_MESSAGE,
  BEARER_TOKEN_RE,
} from '../rules/headers';
import { secretKeySchema } from '../rules/signature';
import { oneOfPattern, timestamp, timestampInput } from './common';
import { filterSchema } from './filters';

export const MAX_TIMEOUT_MS = 60_000;

const eventTypePattern = z
  .string()
  .min(1)
  .max(200)
  .refine(
    isValidPattern,
    'must be a catalogue event type (GET /v1/event-types), a prefix pattern such as "package.*", or "*"',
  )
  .meta({
    description:
      'A catalogue event type, `<prefix>.*` for a dot-boundary prefix of one (`package.*`, ' +
      '`package.status.*`), or `*` (every type but `webhook.*` and the operational `switchyard.*`)',
    pattern: oneOfPattern(validPatterns()),
  });

const targetUrl = z
  .string()
  .max(2048, 'must be at most 2048 characters')
  .refine((s) => {
    try {
      const u = new URL(s);
      // Port 0 cannot be connected to: every attempt would fail.
      return (u.protocol === 'http:' || u.protocol === 'https:') && u.port !== '0';
    } catch {
      return false;
    }
  }, 'must be an http:// or https:// URL (port 1-65535)')
  .meta({ pattern: HTTP_URL_PATTERN });

const timeout = boundedDuration(1_000, MAX_TIMEOUT_MS, 'must be between "1s" and "60s"');

export const RATE_LIMIT_MAX = 10_000;

const ordering = z.enum(['none', 'per_key']).meta({
  description:
    '`per_key`: deliveries of events that share an `ordering_key` are attempted strictly in the ' +
    'order the events were accepted, one at a time (a lane per key); `none`: no order is kept',
});

export const rateLimitSchema = z
  .strictObject({
    max: z.number().int().min(1).max(RATE_LIMIT_MAX),
    per: boundedDuration(1_000, 3_600_000, 'must be between "1s" and "1h"'),
  })
  .meta({
    id: 'RateLimit',
    description:
      'At most `max` attempts start per `per`, across every worker: a token bucket of capacity ' +
      '`max` refilled at `max` per `per`. Waiting for a token is neither an attempt nor a failure: ' +
      'the delivery stays `pending` with `next_attempt_at` set to when it expects its token. ' +
      'Changing or removing the limit applies to waiting deliveries at once. Null: no limit.',
    example: { max: 5, per: '1s' },
  });

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('basic'),
    username: z.string().min(1).max(200).regex(BASIC_USERNAME_RE, BASIC_USERNAME_MESSAGE),
    password: z.string().max(500).regex(BASIC_PASSWORD_RE, BASIC_PASSWORD_MESSAGE),
  }),
  z.strictObject({
    type: z.literal('bearer'),
    token: z.string().min(1).max(4096).regex(BEARER_TOKEN_RE, BEARER_TOKEN_MESSAGE).meta({
      description: 'Sent as `Authorization: Bearer <token>`: visible ISO-8859-1 characters, no spaces',
    }),
  }),
]);

/** Every writable field, none defaulted: PATCH takes any subset of these. */
const fields = {
  name: z.string().trim().max(200).nullable(),
  event_type: eventTypePattern,
  target_url: targetUrl,
  scope: z.enum(['regular', 'automation']),
  goods_owner_id: z.string().min(1).max(200).nullable(),
  retry_policy: retryPolicyNameSchema,
  retry_countdown_config: countdownConfigSchema.nullable(),
  max_attempts: maxAttemptsSchema,
  delay: delaySchema
    .nullable()
    .meta({ description: 'Wait before the first attempt, at most 366d; null: none' }),
  timeout,
  additional_headers: additionalHeadersSchema.meta({
    description:
      `${additionalHeadersSchema.unwrap().meta()?.description ?? ''} ` +
      'Sent with every request; stored encrypted and returned with every value masked as "***". ' +
      'Given on PATCH, the object replaces the stored headers; a value of "***" keeps the stored ' +
      'value of that header, so the object a GET returned can be sent back with one value changed.',
  }),
  secret_key: secretKeySchema.nullable().meta({
    description:
      'Signs every request (Standard Webhooks); never returned. Set on PATCH (or null), it replaces the secret at ' +
      'once and drops a secret kept by a rotation: POST /v1/webhooks/{id}/rotate-secret rotates with an overlap',
  }),
  auth: authSchema.nullable(),
  // The pattern is zod's own email rule, so the document admits exactly the addresses accepted.
  notify_email: z
    .email('must be an email address')
    .max(320)
    .meta({ pattern: z.regexes.email.source })
    .nullable(),
  enabled: z.boolean(),
  ordering,
  rate_limit: rateLimitSchema.nullable(),
  filter: filterSchema.nullable(),
};

export const createWebhookBody = z
  .strictObject({
    ...fields,
    name: fields.name.optional(),
    scope: fields.scope.default('automation'),
    goods_owner_id: fields.goods_owner_id.optional(),
    retry_policy: fields.retry_policy.optional(),
    retry_countdown_config: fields.retry_countdown_config.optional(),
    max_attempts: fields.max_attempts.default(DEFAULT_MAX_ATTEMPTS),
    delay: fields.delay.optional(),
    timeout: fields.timeout.default('10s'),
    additional_headers: fields.additional_headers.optional(),
    secret_key: fields.secret_key.optional(),
    auth: fields.auth.optional(),
    notify_email: fields.notify_email.optional(),
    enabled: fields.enabled.default(true),
    ordering: fields.ordering.default('none'),
    rate_limit: fields.rate_limit.optional(),
    filter: fields.filter.optional(),
  })
  .meta({ id: 'CreateWebhook' });

export const updateWebhookBody = z.strictObject(fields).partial().meta({ id: 'UpdateWebhook' });

export type CreateWebhookBody = z.infer<typeof createWebhookBody>;
export type UpdateWebhookBody = z.infer<typeof updateWebhookBody>;

export const webhookSchema = z
  .object({
    id: z.string(),
    name: z.string().nullable(),
    event_type: z.string(),
    target_url: z.string(),
    scope: z.enum(['regular', 'automation']),
    goods_owner_id: z.string().nullable(),
    retry_policy: retryPolicyNameSchema,
    retry_countdown_config: countdownConfigSchema.nullable(),
    max_attempts: z.number().int(),
    delay: z.string().nullable(),
    timeout: z.string(),
    additional_headers: z
      .record(z.string(), z.string())
      .nullable()
      .meta({ description: 'The header names; every value is masked as "***" (values are never returned).' }),
    has_secret_key: z.boolean(),
    old_secret_expires_at: timestamp.nullable().meta({
      description:
        'After POST /v1/webhooks/{id}/rotate-secret: until when requests are also signed with the replaced ' +
        'secret (exclusive; a past time: no longer). null: no replaced secret is kept',
    }),
    auth: z
      .object({ type: z.enum(['basic', 'bearer']), username: z.string().optional() })
      .nullable()
      .meta({
        description:
          'The kind of credentials (and the basic username); passwords and tokens are never returned.',
      }),
    notify_email: z.string().nullable(),
    enabled: z.boolean(),
    disabled_reason: z.string().nullable(),
    ordering,
    rate_limit: rateLimitSchema.nullable(),
    filter: filterSchema.nullable(),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Webhook' });

export const webhookListQuery = z.object({
  event_type: z.string().max(200).optional(),
  enabled: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
});

export const testQuery = z.object({
  wait: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .transform((v) => v === 'true')
    .optional(),
});

export const recoverBody = z.strictObject({
  since: timestampInput,
});
