import { z } from 'zod';
import { EVENT_TYPES } from '../../rules/eventTypes';
import type { EventRow } from '../../services/events';
import { ValidationError } from '../../errors';
import type { RouteDeps } from '../deps';
import { accountOf } from '../auth';
import { idParams, listQuery, listResponse, toIso } from '../../schemas/common';
import {
  createEventBody,
  eventListQuery,
  eventSchema,
  eventTypeSchema,
  eventWithDeliveriesSchema,
  idempotencyKey,
} from '../../schemas/events';

const presentEvent = (e: EventRow) => ({
  id: e.id,
  message_id: e.message_id,
  type: e.type,
  goods_owner_id: e.goods_owner_id,
  ordering_key: e.ordering_key ?? null,
  occurred_at: toIso(e.occurred_at) as string,
  payload: e.payload,
  created_at: toIso(e.created_at) as string,
});

export function eventRoutes({ route, services }: RouteDeps): void {
  const tag = 'Events';
  route({
    method: 'get',
    path: '/v1/event-types',
    tag,
    auth: 'account',
    summary: 'The event-type catalogue',
    responses: {
      200: { description: 'Every event type', schema: z.object({ data: z.array(eventTypeSchema) }) },
    },
    handler: async () => ({
      status: 200,
      body: { data: EVENT_TYPES.map((t) => ({ type: t.type, group: t.group, description: t.description })) },
    }),
  });

  route({
    method: 'post',
    path: '/v1/events',
    tag,
    auth: 'account',
    summary: 'Accept an event; every matching webhook gets one delivery',
    description:
      'Idempotent by `id` or the `Idempotency-Key` header: the same id again answers 200 with the stored event ' +
      'and starts nothing new; the same id with a different body answers 409.',
    body: createEventBody,
    responses: {
      202: { description: 'Accepted', schema: eventSchema },
      200: { description: 'Already accepted with this id', schema: eventSchema },
      409: { description: 'The id was used with a different body' },
    },
    handler: async ({ principal, body, req }) => {
      const header = req.get('idempotency-key');
      if (header !== undefined && !idempotencyKey.safeParse(header).success)
        throw ValidationError.field(
          'Idempotency-Key',
          'must be 1–200 characters of letters, digits and . _ : ~ -',
        );
      const { event, created } = await services.events.ingest(accountOf(principal), body, header);
      return { status: created ? 202 : 200, body: presentEvent(event) };
    },
  });

  route({
    method: 'get',
    path: '/v1/events',
    tag,
    auth: 'account',
    summary: 'List events, newest first',
    query: listQuery.extend(eventListQuery.shape),
    responses: { 200: { description: 'A page of events', schema: listResponse(eventSchema) } },
    handler: async ({ principal, query }) => {
      const page = await services.events.list(accountOf(principal), query);
      return { status: 200, body: { data: page.data.map(presentEvent), next_cursor: page.next_cursor } };
    },
  });

  route({
    method: 'get',
    path: '/v1/events/{id}',
    tag,
    auth: 'account',
    summary: 'Get an event and its deliveries',
    params: idParams,
    responses: { 200: { description: 'The event', schema: eventWithDeliveriesSchema } },
    handler: async ({ principal, params }) => {
      const { event, deliveries } = await services.events.get(accountOf(principal), params.id);
      return { status: 200, body: { ...presentEvent(event), deliveries } };
    },
  });
}
