import type { DeliveryWithAttempts } from '../../services/deliveries';
import type { RouteDeps } from '../deps';
import { accountOf } from '../auth';
import { idParams, listQuery, listResponse, toIso } from '../../schemas/common';
import { deliveryListQuery, deliverySchema } from '../../schemas/deliveries';

export function presentDelivery(d: DeliveryWithAttempts) {
  return {
    id: d.id,
    event_id: d.event_id,
    webhook_id: d.webhook_id,
    status: d.status,
    attempts: d.attempts.map((a) => ({
      number: a.number,
      started_at: toIso(a.started_at) as string,
      duration_ms: a.duration_ms,
      status_code: a.status_code,
      error: a.error,
      response_body: a.response_body,
    })),
    next_attempt_at: toIso(d.next_attempt_at),
    waiting_for: d.waiting_for ?? null,
    created_at: toIso(d.created_at) as string,
    finished_at: toIso(d.finished_at),
    workflow_id: d.workflow_id,
    last_error: d.last_error,
  };
}

export function deliveryRoutes({ route, services }: RouteDeps): void {
  const tag = 'Deliveries';
  route({
    method: 'get',
    path: '/v1/deliveries',
    tag,
    auth: 'account',
    summary: 'List deliveries with their attempts',
    query: listQuery.extend(deliveryListQuery.shape),
    responses: { 200: { description: 'A page of deliveries', schema: listResponse(deliverySchema) } },
    handler: async ({ principal, query }) => {
      const page = await services.deliveries.list(accountOf(principal), query);
      return { status: 200, body: { data: page.data.map(presentDelivery), next_cursor: page.next_cursor } };
    },
  });

  route({
    method: 'get',
    path: '/v1/deliveries/{id}',
    tag,
    auth: 'account',
    summary: 'Get a delivery and its attempt log',
    params: idParams,
    responses: { 200: { description: 'The delivery', schema: deliverySchema } },
    handler: async ({ principal, params }) => ({
      status: 200,
      body: presentDelivery(await services.deliveries.get(accountOf(principal), params.id)),
    }),
  });

  route({
    method: 'post',
    path: '/v1/deliveries/{id}/retry',
    tag,
    auth: 'account',
    summary: 'Attempt a pending delivery now, or send a finished one again as a new cycle',
    params: idParams,
    responses: {
      202: { description: 'Accepted' },
      409: { description: 'The webhook is disabled, or its previous run is still finishing' },
    },
    handler: async ({ principal, params }) => {
      await services.deliveries.retry(accountOf(principal), params.id);
      return { status: 202, body: { id: params.id } };
    },
  });

  route({
    method: 'post',
    path: '/v1/deliveries/{id}/cancel',
    tag,
    auth: 'account',
    summary: 'Cancel a pending delivery',
    params: idParams,
    responses: { 202: { description: 'Cancelling' }, 409: { description: 'The delivery is not pending' } },
    handler: async ({ principal, params }) => {
      await services.deliveries.cancel(accountOf(principal), params.id);
      return { status: 202, body: { id: params.id } };
    },
  });
}
