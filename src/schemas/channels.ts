import { z } from 'zod';
import { delaySchema, periodSchema } from '../rules/duration';
import { headersSchema } from '../rules/headers';
import { isJobType } from '../rules/jobTypes';
import { secretKeySchema } from '../rules/signature';
import { HTTP_URL_PATTERN, listQuery, requiredName, rotateSecretBody, timestamp } from './common';

export { delaySchema, periodSchema } from '../rules/duration';

/** `{<job_type>: settings}` whose keys must be catalogue job types. */
function jobMap<T extends z.ZodType>(settings: T) {
  return z.record(z.string(), settings).superRefine((map, ctx) => {
    for (const key of Object.keys(map)) {
      if (!isJobType(key))
        ctx.addIssue({
          code: 'custom',
          path: [key],
          message: 'is not a known job type (see GET /v1/job-types)',
        });
    }
  });
}

export const webhookJobSettings = z
  .strictObject({
    delay: delaySchema
      .nullable()
      .default(null)
      .meta({ description: 'Wait after the first webhook; null: none' }),
    emergency_job_period: periodSchema
      .nullable()
      .default(null)
      .meta({ description: 'Run anyway when no webhook job succeeded for this long; null: never' }),
  })
  .meta({ id: 'WebhookJobSettings' });

export const recurringJobSettings = z
  .strictObject({
    main_job_period: periodSchema
      .nullable()
      .meta({ description: 'How often the job runs; null: it does not run' }),
    delay: delaySchema.nullable().default(null).meta({
      description: 'How much earlier within the period the job runs; must be shorter than main_job_period',
    }),
    jitter: delaySchema
      .nullable()
      .default(null)
      .meta({ description: 'Random extra delay of up to this much' }),
  })
  .meta({ id: 'BetaRecurringJobSettings' });

export const webhookJobsSchema = jobMap(webhookJobSettings);
export const recurringJobsSchema = jobMap(recurringJobSettings);

const connectorFields = {
  url: z
    .string()
    .min(1)
    .max(2048)
    .meta({ description: 'Where job runs are POSTed (public addresses only)', pattern: HTTP_URL_PATTERN }),
  headers: headersSchema
    .nullable()
    .optional()
    .meta({ description: 'Sent with every job run; stored encrypted, never returned' }),
  secret_key: secretKeySchema
    .nullable()
    .optional()
    .meta({
      description:
        'Signs job runs like webhooks (Standard Webhooks); never returned. Set on PATCH (or null), it replaces ' +
        'the secret at once and drops a secret kept by a rotation (POST /v1/channels/{id}/rotate-connector-secret)',
    }),
};

export const connectorInput = z.strictObject(connectorFields);
export const connectorPatch = z.strictObject({ ...connectorFields, url: connectorFields.url.optional() });

const name = requiredName;
const kind = z.enum(['sales', 'fulfillment']);
const release = z.enum(['stable', 'beta']);
const mode = z.enum(['webhook', 'recurring']);

export const createChannelBody = z
  .strictObject({
    name,
    kind,
    release,
    mode,
    connector: connectorInput,
    webhook_jobs: webhookJobsSchema.nullable().default({}),
    recurring_jobs: recurringJobsSchema
      .nullable()
      .default({})
      .meta({ description: 'Beta channels only (422 on a stable channel)' }),
  })
  .meta({ id: 'CreateChannel' });

export const patchChannelBody = z
  .strictObject({
    name: name.optional(),
    kind: kind.optional(),
    release: release.optional(),
    mode: mode.optional(),
    connector: connectorPatch.optional(),
    webhook_jobs: webhookJobsSchema.nullable().optional(),
    recurring_jobs: recurringJobsSchema.nullable().optional(),
  })
  .meta({
    id: 'PatchChannel',
    description:
      'Each field given replaces the stored one (webhook_jobs and recurring_jobs as whole maps); connector fields merge, null removes headers or secret_key.',
  });

export const channelSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    kind,
    release,
    mode,
    connector: z.object({
      url: z.string(),
      header_names: z.array(z.string()),
      has_secret_key: z.boolean(),
      old_secret_expires_at: timestamp.nullable().meta({
        description:
          'After POST /v1/channels/{id}/rotate-connector-secret: until when job runs are also signed with the ' +
          'replaced secret (exclusive; a past time: no longer). null: no replaced secret is kept',
      }),
    }),
    webhook_jobs: z.record(z.string(), webhookJobSettings),
    recurring_jobs: z.record(z.string(), recurringJobSettings),
    old_inbound_token_expires_at: timestamp.nullable().meta({
      description:
        'After POST /v1/channels/{id}/rotate-inbound-token: until when the replaced inbound token is still ' +
        'accepted (exclusive; a past time: no longer). null: no replaced token is kept',
    }),
    created_at: timestamp,
    updated_at: timestamp,
  })
  .meta({ id: 'Channel' });

export const createdChannelSchema = channelSchema
  .extend({
    inbound_token: z.string().meta({
      description: 'Bearer token for POST /v1/inbound/{channel_id}/{job_type}; shown once, stored hashed',
    }),
  })
  .meta({ id: 'CreatedChannel' });

export const channelListQuery = listQuery.extend({
  kind: kind.optional(),
  release: release.optional(),
  mode: mode.optional(),
});

export const channelJobParams = z.object({
  id: z.string().min(1).max(200),
  job_type: z.string().min(1).max(100),
});
/** Documentation only: the route takes any JSON value and keeps it with the job run as sent. */
export const inboundBody = z.unknown().meta({
  id: 'InboundBody',
  description:
    'Any JSON value (object, array or scalar; may be left out), kept with the job run and passed to the ' +
    'connector in `trigger_payloads`. The input rules of every body apply: at most 256 KiB, at most 64 ' +
    'levels of nesting, no NUL characters or unpaired surrogates in strings or keys, numbers exact in a ' +
    'double (integers within ±2^53).',
});

export const inboundParams = z.object({
  channel_id: z.string().min(1).max(200),
  job_type: z.string().min(1).max(100),
});

/** POST /v1/channels/{id}/rotate-inbound-token (the body may be empty or left out). */
export const rotateInboundTokenBody = rotateSecretBody.pick({ keep_old_for: true }).meta({
  id: 'RotateInboundToken',
  description:
    'While the old token is kept, both it and the new one authenticate inbound webhooks; after ' +
    '`old_token_expires_at`, only the new one. Rotating again while an old token is kept replaces it with the ' +
    'current one.',
});

export type RotateInboundTokenBody = z.infer<typeof rotateInboundTokenBody>;

export const rotatedInboundTokenSchema = z
  .object({
    inbound_token: z.string().meta({
      description:
        'The new bearer token for POST /v1/inbound/{channel_id}/{job_type}; shown once, stored hashed',
    }),
    old_token_expires_at: timestamp.nullable().meta({
      description:
        'Until when the replaced token is still accepted (exclusive); null: it stopped at once (`keep_old_for` ' +
        'null or "0s")',
    }),
  })
  .meta({ id: 'RotatedInboundToken' });

export type RotatedInboundToken = z.infer<typeof rotatedInboundTokenSchema>;
