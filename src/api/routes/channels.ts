import { z } from 'zod';
import { accountOf, bearerToken } from '../auth';
import type { RouteDeps } from '../deps';
import {
  channelJobParams,
  channelListQuery,
  channelSchema,
  createChannelBody,
  createdChannelSchema,
  inboundBody,
  inboundParams,
  patchChannelBody,
  rotatedInboundTokenSchema,
  rotateInboundTokenBody,
} from '../../schemas/channels';
import { channelJobSchema, jobRunCreatedSchema } from '../../schemas/jobs';
import { idParams, listResponse, rotatedSecretSchema, rotateSecretBody } from '../../schemas/common';
import { jobRoutes } from './jobs';

export function channelRoutes(deps: RouteDeps): void {
  const { route, services } = deps;
  const channels = services.channels;
  const tag = 'Channels';

  route({
    method: 'post',
    path: '/v1/channels',
    tag,
    auth: 'account',
    summary: 'Create a channel',
    description:
      'Creates the channel and, at once, its emergency watchdogs (webhook mode) or beta Schedules (recurring mode). ' +
      'The answer carries `inbound_token`, shown once, for POST /v1/inbound/{channel_id}/{job_type}.',
    body: createChannelBody,
    responses: { 201: { description: 'Created', schema: createdChannelSchema } },
    handler: async ({ body, principal }) => {
      const { channel, inboundToken } = await channels.create(accountOf(principal), body);
      return { status: 201, body: { ...channel, inbound_token: inboundToken } };
    },
  });

  route({
    method: 'get',
    path: '/v1/channels',
    tag,
    auth: 'account',
    summary: 'List channels',
    query: channelListQuery,
    responses: { 200: { description: 'A page of channels', schema: listResponse(channelSchema) } },
    handler: async ({ query, principal }) => ({
      status: 200,
      body: await channels.list(accountOf(principal), query),
    }),
  });

  route({
    method: 'get',
    path: '/v1/channels/{id}',
    tag,
    auth: 'account',
    summary: 'Get a channel',
    params: idParams,
    responses: { 200: { description: 'The channel', schema: channelSchema } },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: await channels.get(accountOf(principal), params.id),
    }),
  });

  route({
    method: 'patch',
    path: '/v1/channels/{id}',
    tag,
    auth: 'account',
    summary: 'Change a channel',
    description: 'A change of mode or job settings reconciles its Schedules and watchdogs before the answer.',
    params: idParams,
    body: patchChannelBody,
    responses: { 200: { description: 'The changed channel', schema: channelSchema } },
    handler: async ({ params, body, principal }) => ({
      status: 200,
      body: await channels.update(accountOf(principal), params.id, body),
    }),
  });

  route({
    method: 'delete',
    path: '/v1/channels/{id}',
    tag,
    auth: 'account',
    summary: 'Delete a channel, its Schedules and its watchdogs',
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ params, principal }) => {
      await channels.remove(accountOf(principal), params.id);
      return { status: 204 };
    },
  });

  route({
    method: 'post',
    path: '/v1/channels/{id}/rotate-inbound-token',
    tag,
    auth: 'account',
    summary: 'Replace the inbound token, keeping the old one for a while',
    description:
      'The new token is shown this once. The replaced one is still accepted on POST /v1/inbound/{channel_id}/{job_type} ' +
      'until `old_token_expires_at` (`keep_old_for`, at most 7d, default 24h; null: not at all), judged at each request.',
    params: idParams,
    body: rotateInboundTokenBody,
    bodyOptional: true,
    responses: { 200: { description: 'The new token, shown this once', schema: rotatedInboundTokenSchema } },
    handler: async ({ params, body, principal }) => ({
      status: 200,
      body: await channels.rotateInboundToken(accountOf(principal), params.id, body),
    }),
  });

  route({
    method: 'post',
    path: '/v1/channels/{id}/rotate-connector-secret',
    tag,
    auth: 'account',
    summary: "Replace the connector's signing secret, keeping the old one for a while",
    description:
      'Without `secret_key`, a new `whsec_` secret is generated; the answer is the only time it is shown. Until ' +
      '`old_secret_expires_at` (`keep_old_for`, at most 7d, default 24h) job runs carry both signatures, ' +
      '`webhook-signature: v1,<with new> v1,<with old>`; after it, only the new one. A connector without a secret ' +
      'just gets one.',
    params: idParams,
    body: rotateSecretBody,
    bodyOptional: true,
    responses: { 200: { description: 'The new secret, shown this once', schema: rotatedSecretSchema } },
    handler: async ({ params, body, principal }) => ({
      status: 200,
      body: await channels.rotateConnectorSecret(accountOf(principal), params.id, body),
    }),
  });

  route({
    method: 'get',
    path: '/v1/channels/{id}/jobs',
    tag,
    auth: 'account',
    summary: "The jobs of the channel's mode, with next run times read back from Temporal",
    params: idParams,
    responses: {
      200: { description: 'One entry per job type', schema: z.object({ data: z.array(channelJobSchema) }) },
    },
    handler: async ({ params, principal }) => ({
      status: 200,
      body: { data: await channels.jobs(accountOf(principal), params.id) },
    }),
  });

  route({
    method: 'post',
    path: '/v1/channels/{id}/jobs/{job_type}/run',
    tag,
    auth: 'account',
    summary: 'Run a job now (manual run)',
    params: channelJobParams,
    responses: { 202: { description: 'Accepted', schema: jobRunCreatedSchema } },
    handler: async ({ params, principal }) => {
      const { jobRunId } = await channels.runNow(accountOf(principal), params.id, params.job_type);
      return { status: 202, body: { job_run_id: jobRunId } };
    },
  });

  route({
    method: 'post',
    path: '/v1/inbound/{channel_id}/{job_type}',
    tag: 'Inbound',
    // The channel's own inbound token, not an API key: checked by the service against its hash.
    auth: 'custom',
    summary: 'An inbound webhook from the channel',
    description:
      "Authorization: Bearer <inbound_token>; any JSON body. The job runs after the job type's delay; webhooks " +
      'that arrive while a run is still waiting join it (their bodies are kept with it). 409 when the channel is ' +
      'not in webhook mode or does not configure the job type.',
    params: inboundParams,
    body: inboundBody,
    bodyOptional: true,
    responses: {
      202: { description: 'Accepted: the run it started or joined', schema: jobRunCreatedSchema },
      409: { description: 'Not in webhook mode, or no such webhook job' },
    },
    handler: async ({ params, req }) => {
      const { jobRunId } = await channels.inbound(
        params.channel_id,
        params.job_type,
        bearerToken(req),
        req.body,
      );
      return { status: 202, body: { job_run_id: jobRunId } };
    },
  });

  jobRoutes(deps);
}
