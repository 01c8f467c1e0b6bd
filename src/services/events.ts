import { createHash } from 'node:crypto';
import type { Page } from '../db/paginate';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import { createDeliveriesRepository } from '../repositories/deliveries';
import { createEventsRepository, type EventListQuery, type EventRow } from '../repositories/events';
import type { CreateEventBody } from '../schemas/events';
import { createEventDispatcher, type EventDispatcher } from '../webhooks/dispatch';
import type { ServiceDeps } from './deps';

// The defaults of SWITCHYARD_DIRECT_START_MAX, with the dispatch itself (src/webhooks/dispatch.ts).
export { DIRECT_START_MAX, DIRECT_START_MAX_EAGER } from '../webhooks/dispatch';

/** How long an event may stay undispatched before the sweep takes it for stranded by a crash. */
export const STRANDED_AFTER_MS = 60_000;

export type { EventRow } from '../repositories/events';

/** JSON with sorted keys, so the same request always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

export function requestHash(body: Omit<CreateEventBody, 'id'>): string {
  const normalized = {
    type: body.type,
    goods_owner_id: body.goods_owner_id ?? null,
    occurred_at: body.occurred_at ? new Date(body.occurred_at).toISOString() : undefined,
    payload: body.payload,
    // Absent when not given, so the hashes of events stored before ordering keys stay the same.
    ordering_key: body.ordering_key ?? undefined,
  };
  return createHash('sha256').update(canonical(normalized)).digest('hex');
}

/** How the API dispatches events (its own, and the operational ones a service emits). */
export function createServiceDispatcher(deps: ServiceDeps): EventDispatcher {
  return createEventDispatcher({
    db: deps.db,
    temporal: deps.temporal,
    deliveryStarts: deps.eagerStarts,
    eager: deps.eagerStarts !== undefined,
    searchAttributes: deps.searchAttributes !== false,
    directStartMax: deps.config.SWITCHYARD_DIRECT_START_MAX,
    logger: deps.logger,
  });
}

export function createEventsService(deps: ServiceDeps) {
  const { db } = deps;
  const events = createEventsRepository(db);
  const deliveries = createDeliveriesRepository(db);
  const { dispatch } = createServiceDispatcher(deps);

  return {
    /**
     * Stores the event and dispatches it (see `dispatch`). Returns `created: false` for an
     * idempotent replay. If Temporal cannot take any of it, the event is removed again so a
     * failed request leaves nothing behind; a crash between the steps is healed by
     * `redispatchStranded`.
     */
    async ingest(
      accountId: string,
      body: CreateEventBody,
      idempotencyKey?: string,
    ): Promise<{ event: EventRow; created: boolean }> {
      if (body.id && idempotencyKey && body.id !== idempotencyKey)
        throw ValidationError.field(
          'id',
          'differs from the Idempotency-Key header; send one or make them equal',
        );
      const id = body.id ?? idempotencyKey ?? newId('evt');
      const hash = requestHash(body);
      const fresh = await events.insertIfNew({
        account_id: accountId,
        id,
        seq: newId('evt'),
        type: body.type,
        goods_owner_id: body.goods_owner_id ?? null,
        occurred_at: body.occurred_at ? new Date(body.occurred_at) : new Date(),
        payload: JSON.stringify(body.payload),
        request_hash: hash,
        ordering_key: body.ordering_key ?? null,
      });
      if (!fresh) {
        const existing = (await events.find(accountId, id)) as EventRow;
        if (existing.request_hash !== hash)
          throw new ConflictError(`event ${id} was already accepted with a different body`);
        // The first request may have died before its deliveries started: make sure they run.
        if (!existing.dispatched_at) await dispatch(accountId, existing, false);
        return { event: existing, created: false };
      }
      try {
        await dispatch(accountId, fresh, true);
      } catch (err) {
        // Nothing of the event runs: remove it, and the deliveries the direct path recorded.
        await events.removeWithDeliveries(accountId, id);
        throw err;
      }
      deps.metrics.eventsAccepted.inc();
      return { event: fresh, created: true };
    },

    async get(accountId: string, id: string) {
      const event = await events.find(accountId, id);
      if (!event) throw new NotFoundError('event', id);
      return { event, deliveries: await deliveries.ofEvent(accountId, id) };
    },

    async list(accountId: string, q: EventListQuery): Promise<Page<EventRow>> {
      return events.list(accountId, q);
    },

    /**
     * Dispatches again the events accepted at least `olderThanMs` ago and never marked dispatched:
     * a crash cut their request short after the event was stored (before its deliveries were
     * recorded, or before their workflows started). Routing and starting are idempotent, so
     * deliveries already running are left alone; an event wider than the direct limit gets its
     * dispatchEvent workflow, as before. Answers how many events it dispatched.
     */
    async redispatchStranded(olderThanMs = STRANDED_AFTER_MS): Promise<number> {
      const stranded = await events.undispatched(new Date(Date.now() - olderThanMs), 1000);
      for (const e of stranded) await dispatch(e.account_id, e, false);
      return stranded.length;
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
