import { z } from 'zod';
import { shiftSchema } from '../rules/duration';
import { listQuery, timestamp } from './common';
import { delaySchema, periodSchema, recurringJobSettings, webhookJobSettings } from './channels';

const trigger = z.enum(['webhook', 'recurring', 'emergency', 'manual']);
const status = z.enum(['pending', 'running', 'succeeded', 'failed']);
const isoList = z.array(timestamp);

export const jobTypeSchema = z.object({ type: z.string(), description: z.string() }).meta({ id: 'JobType' });

export const jobTypeParams = z.object({ job_type: z.string().min(1).max(100) });

export const jobRunCreatedSchema = z.object({ job_run_id: z.string() }).meta({ id: 'JobRunAccepted' });

export const stableSettingsSchema = z
  .object({
    enabled: z.boolean(),
    period: z.string().nullable(),
    shift: z.string().nullable(),
    jitter: z.string().nullable(),
  })
  .meta({ id: 'AccountRecurringJobSettings' });

export const putRecurringJobBody = z
  .strictObject({
    enabled: z.boolean().default(true).meta({ description: 'false pauses the schedule' }),
    period: periodSchema
      .nullable()
      .meta({ description: 'How often the job runs; null (None) removes the schedule' }),
    shift: shiftSchema('minimal')
      .nullable()
      .default(null)
      .meta({ description: 'null (None), "minimal" (5 minutes) or a duration shorter than period' }),
    jitter: delaySchema
      .nullable()
      .default(null)
      .meta({ description: 'Random extra delay of up to this much' }),
  })
  .meta({ id: 'PutAccountRecurringJob' });

export const recurringJobSchema = stableSettingsSchema
  .extend({
    job_type: z.string(),
    schedule_id: z.string().nullable(),
    next_run_times: isoList.meta({ description: 'Next 3 fire times read back from the Temporal Schedule' }),
    updated_at: timestamp.nullable(),
  })
  .meta({ id: 'AccountRecurringJob' });

export const channelJobSchema = z
  .object({
    type: z.string(),
    mode: z.enum(['webhook', 'recurring']),
    source: z
      .enum(['channel', 'account'])
      .meta({ description: 'account: a stable channel runs the account recurring job' }),
    settings: z.union([webhookJobSettings, recurringJobSettings, stableSettingsSchema]),
    schedule_id: z.string().nullable(),
    next_run_times: isoList,
    emergency_due_at: timestamp.nullable(),
  })
  .meta({ id: 'ChannelJob' });

export const jobRunSchema = z
  .object({
    id: z.string(),
    channel_id: z.string(),
    job_type: z.string(),
    trigger,
    status,
    scheduled_for: timestamp.nullable(),
    started_at: timestamp.nullable(),
    finished_at: timestamp.nullable(),
    next_attempt_at: timestamp.nullable(),
    attempts: z.number().int(),
    status_code: z.number().int().nullable(),
    result: z.unknown().meta({ description: "The connector's JSON answer (or its text), truncated" }),
    error: z.string().nullable(),
    trigger_count: z
      .number()
      .int()
      .meta({ description: 'Inbound webhooks that triggered or joined this run' }),
    workflow_id: z.string().nullable(),
    created_at: timestamp,
  })
  .meta({ id: 'JobRun' });

export const jobRunDetailSchema = jobRunSchema
  .extend({ trigger_payloads: z.array(z.unknown()).meta({ description: 'Bodies of the inbound webhooks' }) })
  .meta({ id: 'JobRunDetail' });

export const jobRunQuery = listQuery.extend({
  channel_id: z.string().max(200).optional(),
  job_type: z.string().max(100).optional(),
  trigger: trigger.optional(),
  status: status.optional(),
});
