import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Page } from '../db/paginate';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import { createDeliveriesRepository } from '../repositories/deliveries';
import { createEventsRepository, type EventListQuery, type EventRow } from '../repositories/events';
import type { CreateEventBody } from '../schemas/events';
import { startWorkflow } from '../temporal/workflowStart';
import { createDeliveryPlanner } from '../webhooks/plan';
import { dispatchEventStart } from '../workflows/webhooks/contract';
import type { ServiceDeps } from './deps';

/**
 * The defaults of SWITCHYARD_DIRECT_START_MAX: an event with at most this many deliveries has them
 * started by the API itself (one StartWorkflowExecution each, concurrently, inside the request); a
 * wider one gets a dispatchEvent workflow that plans and starts them. A dispatchEvent costs a whole
 * workflow (a start, a workflow task with a local activity, its completion), and its starts are
 * eager (the worker runs each delivery's first task without a task-queue round trip).
 *
 * - A worker in the same process (`npm start`, ServiceDeps.eagerStarts): the API's starts are eager
 *   too, so the fan-out workflow is pure overhead up to the widest batch the request should wait
 *   for: 16. Measured at ten webhooks per event (BENCHMARKS.md): 9.5 / 8.8 ms of Switchyard CPU and
 *   9.9 / 9.2 ms of Temporal CPU per delivery against 10.1 / 10.4 and 11.0 / 11.0 through the
 *   fan-out, 6 history events per delivery instead of 6.6.
 * - A separate API process: its starts go through the task queue, which the fan-out's do not, so
 *   the fan-out pays for itself from about four deliveries on (a dispatchEvent costs the server
 *   about what four plain starts do).
 */
export const DIRECT_START_MAX = 4;
export const DIRECT_START_MAX_EAGER = 16;

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

export function createEventsService(deps: ServiceDeps) {
  const { db, temporal } = deps;
  const events = createEventsRepository(db);
  const deliveries = createDeliveriesRepository(db);
  const planner = createDeliveryPlanner({
    db,
    temporal: deps.eagerStarts ?? temporal,
    searchAttributes: deps.searchAttributes !== false,
  });
  const directStartMax =
    deps.config.SWITCHYARD_DIRECT_START_MAX ?? (deps.eagerStarts ? DIRECT_START_MAX_EAGER : DIRECT_START_MAX);

  async function startDispatch(accountId: string, event: Pick<EventRow, 'id' | 'type'>): Promise<void> {
    try {
      await startWorkflow(
        temporal,
        dispatchEventStart({
          accountId,
          eventId: event.id,
          eventType: event.type,
          searchAttributes: deps.searchAttributes !== false,
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }

  /**
   * Dispatches an accepted event: routes it to its webhooks and, when at most `directStartMax`
   * match, records their deliveries (without marking the event dispatched), starts their
   * deliverWebhook workflows and only then marks it dispatched; wider events get a dispatchEvent
   * workflow, as before. No matching webhook: the event is marked dispatched, no workflow runs.
   * Every step is idempotent (rows unique per webhook, deterministic workflow ids), so the replay
   * of a request and the sweep may repeat it. Answers the deliveries started here, or 'fanOut'.
   *
   * A refused start is thrown when nothing of the event runs (for a `fresh` event, ingest then
   * removes the event and its rows: the request fails and leaves nothing behind, as before). Once
   * one delivery of a fresh event runs, the event stays, undispatched, and the sweep starts the
   * rest: the request answers 202, the event is durably accepted.
   */
  async function dispatch(
    accountId: string,
    event: Pick<EventRow, 'id' | 'type'>,
    fresh: boolean,
  ): Promise<number | 'fanOut'> {
    const routing = await planner.route(accountId, event.id);
    if (!routing) return 0; // removed meanwhile (its own request failed)
    if (routing.webhooks.length > directStartMax) {
      await startDispatch(accountId, event);
      return 'fanOut';
    }
    const plan = await planner.record(routing, { markDispatched: false });
    if (plan.deliveries.length) {
      const { started, existing, refused } = await planner.start(plan, {
        eager: deps.eagerStarts !== undefined,
      });
      if (refused !== undefined) {
        if (!fresh) throw refused;
        if (started + existing === 0) throw refused; // ingest removes the event and its rows
        deps.logger.warn(
          { err: refused, eventId: event.id, started, existing },
          'some deliveries of the event could not be started yet; the sweep starts them',
        );
        return started;
      }
    }
    // Every delivery runs now: a failed mark only leaves the sweep a repeat that starts nothing.
    await events
      .markDispatched(accountId, event.id)
      .catch((err: unknown) =>
        deps.logger.warn({ err, eventId: event.id }, 'could not mark the event dispatched'),
      );
    return plan.deliveries.length;
  }

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
