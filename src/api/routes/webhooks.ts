import { z } from 'zod';
import type { SecretBox } from '../../secrets';
import type { WebhookRow } from '../../services/webhooks';
import type { RouteDeps } from '../deps';
import { accountOf } from '../auth';
import {
  idParams,
  listQuery,
  listResponse,
  rotatedSecretSchema,
  rotateSecretBody,
  toIso,
} from '../../schemas/common';
import { deliverySchema } from '../../schemas/deliveries';
import {
  createWebhookBody,
  recoverBody,
  testQuery,
  updateWebhookBody,
  webhookListQuery,
  webhookSchema,
} from '../../schemas/webhooks';
import { maskHeaders, openHeaders } from '../../webhooks/headers';
import { presentDelivery } from './deliveries';

export function presentWebhook(w: WebhookRow, secrets: SecretBox) {
  let auth: { type: 'basic' | 'bearer'; username?: string } | null = null;
  if (w.auth_type === 'bearer') auth = { type: 'bearer' };
  if (w.auth_type === 'basic' && w.auth_sealed) {
    // The username helps an operator recognise the credentials; the password never leaves.
    auth = {
      type: 'basic',
      username: (JSON.parse(secrets.open(w.auth_sealed)) as { username: string }).username,
    };
  }
  return {
    id: w.id,
    name: w.name,
    event_type: w.event_type,
    target_url: w.target_url,
    scope: w.scope,
    goods_owner_id: w.goods_owner_id,
    retry_policy: w.retry_policy,
    retry_countdown_config: (w.retry_countdown_config ?? null) as never,
    max_attempts: w.max_attempts,
    delay: w.delay,
    timeout: w.timeout,
    additional_headers: maskHeaders(openHeaders(secrets, w.additional_headers_sealed)),
    has_secret_key: w.secret_key_sealed !== null,
    old_secret_expires_at: toIso(w.old_secret_expires_at),
    auth,
    notify_email: w.notify_email,
    enabled: w.enabled,
    disabled_reason: w.disabled_reason,
    ordering: w.ordering,
    rate_limit: w.rate_limit,
    filter: w.filter,
    created_at: toIso(w.created_at) as string,
    updated_at: toIso(w.updated_at) as string,
  };
}

export function webhookRoutes({ route, services, secrets }: RouteDeps): void {
  const tag = 'Webhooks';
  const present = (w: WebhookRow) => presentWebhook(w, secrets);

  route({
    method: 'post',
    path: '/v1/webhooks',
    tag,
    auth: 'account',
    summary: 'Subscribe a target URL to events',
    body: createWebhookBody,
    responses: { 201: { description: 'Created', schema: webhookSchema } },
    handler: async ({ principal, body }) => ({
      status: 201,
      body: present(await services.webhooks.create(accountOf(principal), body)),
    }),
  });

  route({
    method: 'get',
    path: '/v1/webhooks',
    tag,
    auth: 'account',
    summary: 'List webhooks',
    query: listQuery.extend(webhookListQuery.shape),
    responses: { 200: { description: 'A page of webhooks', schema: listResponse(webhookSchema) } },
    handler: async ({ principal, query }) => {
      const page = await services.webhooks.list(accountOf(principal), query);
      return { status: 200, body: { data: page.data.map(present), next_cursor: page.next_cursor } };
    },
  });

  route({
    method: 'get',
    path: '/v1/webhooks/{id}',
    tag,
    auth: 'account',
    summary: 'Get a webhook',
    params: idParams,
    responses: { 200: { description: 'The webhook', schema: webhookSchema } },
    handler: async ({ principal, params }) => ({
      status: 200,
      body: present(await services.webhooks.find(accountOf(principal), params.id)),
    }),
  });

  route({
    method: 'patch',
    path: '/v1/webhooks/{id}',
    tag,
    auth: 'account',
    summary: 'Change a webhook (any subset of its fields)',
    params: idParams,
    body: updateWebhookBody,
    responses: { 200: { description: 'The changed webhook', schema: webhookSchema } },
    handler: async ({ principal, params, body }) => ({
      status: 200,
      body: present(await services.webhooks.update(accountOf(principal), params.id, body)),
    }),
  });

  route({
    method: 'delete',
    path: '/v1/webhooks/{id}',
    tag,
    auth: 'account',
    summary: 'Delete a webhook; its pending deliveries make no further attempts',
    params: idParams,
    responses: { 204: { description: 'Deleted' } },
    handler: async ({ principal, params }) => {
      await services.webhooks.remove(accountOf(principal), params.id);
      return { status: 204 };
    },
  });

  route({
    method: 'post',
    path: '/v1/webhooks/{id}/test',
    tag,
    auth: 'account',
    summary: 'Deliver a webhook.test event now (one attempt, no delay)',
    params: idParams,
    query: testQuery,
    responses: {
      200: { description: 'With ?wait=true: the finished delivery', schema: deliverySchema },
      202: { description: 'Started', schema: z.object({ delivery_id: z.string() }) },
      409: { description: 'The webhook is disabled' },
    },
    handler: async ({ principal, params, query }) => {
      const accountId = accountOf(principal);
      const started = await services.deliveries.test(accountId, params.id);
      if (!query.wait) return { status: 202, body: { delivery_id: started.deliveryId } };
      await started.wait();
      return {
        status: 200,
        body: presentDelivery(await services.deliveries.get(accountId, started.deliveryId)),
      };
    },
  });

  route({
    method: 'post',
    path: '/v1/webhooks/{id}/rotate-secret',
    tag,
    auth: 'account',
    summary: 'Replace the signing secret, keeping the old one for a while',
    description:
      'Without `secret_key`, a new `whsec_` secret is generated; either way the answer is the only time the new ' +
      'secret is shown. The replaced secret keeps signing too until `old_secret_expires_at` (`keep_old_for`, at ' +
      'most 7d, default 24h): each request then carries `webhook-signature: v1,<with new> v1,<with old>`, so ' +
      'receivers holding either secret verify it. Whether the old one is still sent is decided at each attempt. ' +
      'A webhook without a secret just gets one.',
    params: idParams,
    body: rotateSecretBody,
    bodyOptional: true,
    responses: { 200: { description: 'The new secret, shown this once', schema: rotatedSecretSchema } },
    handler: async ({ principal, params, body }) => ({
      status: 200,
      body: await services.webhooks.rotateSecret(accountOf(principal), params.id, body),
    }),
  });

  route({
    method: 'post',
    path: '/v1/webhooks/{id}/recover',
    tag,
    auth: 'account',
    summary: 'Resend every failed delivery of this webhook since a time',
    params: idParams,
    body: recoverBody,
    responses: {
      202: { description: 'Resending', schema: z.object({ count: z.number().int() }) },
      409: { description: 'The webhook is disabled' },
    },
    handler: async ({ principal, params, body }) => ({
      status: 202,
      body: {
        count: await services.deliveries.recover(accountOf(principal), params.id, new Date(body.since)),
      },
    }),
  });
}
