import { z } from 'zod';
import { JOB_TYPES } from '../../rules/jobTypes';
import { accountOf } from '../auth';
import type { RouteDeps } from '../deps';
import {
  jobRunDetailSchema,
  jobRunQuery,
  jobRunSchema,
  jobTypeParams,
  jobTypeSchema,
  putRecurringJobBody,
  recurringJobSchema,
} from '../../schemas/jobs';
import { idParams, listResponse } from '../../schemas/common';

/** Job types, account-level (stable) recurring jobs and the job-run log. */
export function jobRoutes({ route, services }: RouteDeps): void {
  const channels = services.channels;

  route({
    method: 'get',
    path: '/v1/job-types',
    tag: 'Jobs',
    auth: 'account',
    summary: 'The job-type catalogue',
    responses: { 200: { description: 'Every job type', schema: z.object({ data: z.array(jobTypeSchema) }) } },
    handler: async () => ({ status: 200, body: { data: JOB_TYPES } }),
  });

  route({
    method: 'get',
    path: '/v1/recurring-jobs',
    tag: 'Recurring jobs',
    auth: 'account',
    summary: 'Account recurring jobs (stable channels), one per job type',
    responses: { 200: { description: 'Every job type', schema: listResponse(recurringJobSchema) } },
    handler: async ({ principal }) => ({
      status: 200,
      body: { data: await channels.recurring.list(accountOf(principal)), next_cursor: null },
    }),
  });

  route({
    method: 'get',
    path: '/v1/recurring-jobs/{job_type}',
    tag: 'Recurring jobs',
    auth: 'account',
    summary: 'One account recurring job',
    params: jobTypeParams,
    responses: { 200: { description: 'The job', schema: recurringJobSchema } },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: await channels.recurring.get(accountOf(principal), params.job_type),
    }),
  });

  route({
    method: 'put',
    path: '/v1/recurring-jobs/{job_type}',
    tag: 'Recurring jobs',
    auth: 'account',
    summary: 'Set an account recurring job (its Temporal Schedule follows at once)',
    description:
      'Fires at epoch + shift + k·period (UTC). period null removes the Schedule; enabled false pauses it. ' +
      'Runs the job for every stable channel of the account in recurring mode; beta channels are not affected.',
    params: jobTypeParams,
    body: putRecurringJobBody,
    responses: { 200: { description: 'The job with its next run times', schema: recurringJobSchema } },
    handler: async ({ params, body, principal }) => ({
      status: 200,
      body: await channels.recurring.put(accountOf(principal), params.job_type, body),
    }),
  });

  route({
    method: 'get',
    path: '/v1/job-runs',
    tag: 'Job runs',
    auth: 'account',
    summary: 'The job-run log, newest first',
    query: jobRunQuery,
    responses: { 200: { description: 'A page of job runs', schema: listResponse(jobRunSchema) } },
    handler: async ({ query, principal }) => ({
      status: 200,
      body: await channels.runs.list(accountOf(principal), query),
    }),
  });

  route({
    method: 'get',
    path: '/v1/job-runs/{id}',
    tag: 'Job runs',
    auth: 'account',
    summary: 'One job run, with the bodies of the webhooks that triggered it',
    params: idParams,
    responses: { 200: { description: 'The job run', schema: jobRunDetailSchema } },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: await channels.runs.get(accountOf(principal), params.id),
    }),
  });
}
