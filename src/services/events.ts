import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Page } from '../db/paginate';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import { createDeliveriesRepository } from '../repositories/deliveries';
import { createEventsRepository, type EventListQuery, type EventRow } from '../repositories/events';
import type { CreateEventBody } from '../schemas/events';
import { startWorkflow } from '../temporal/workflowStart';
import { dispatchEventStart } from '../workflows/webhooks/contract';
import type { ServiceDeps } from './deps';

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
  };
  return createHash('sha256').update(canonical(normalized)).digest('hex');
}

export function createEventsService(deps: ServiceDeps) {
  const { db, temporal } = deps;
  const events = createEventsRepository(db);
  const deliveries = createDeliveriesRepository(db);

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

  return {
    /**
     * Stores the event and starts its fan-out. Returns `created: false` for an idempotent replay.
     * If Temporal cannot take the fan-out, the event is removed again so a failed request leaves
     * nothing behind; a crash between the two steps is healed by `redispatchStranded`.
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
      });
      if (!fresh) {
        const existing = (await events.find(accountId, id)) as EventRow;
        if (existing.request_hash !== hash)
          throw new ConflictError(`event ${id} was already accepted with a different body`);
        // The first request may have died before its fan-out started: make sure it runs.
        if (!existing.dispatched_at) await startDispatch(accountId, existing);
        return { event: existing, created: false };
      }
      try {
        await startDispatch(accountId, fresh);
      } catch (err) {
        await events.remove(accountId, id);
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

    /** Starts the fan-out of events accepted but never dispatched (a crash between the two steps). */
    async redispatchStranded(olderThanMs = 60_000): Promise<number> {
      const stranded = await events.undispatched(new Date(Date.now() - olderThanMs), 1000);
      for (const e of stranded) await startDispatch(e.account_id, e);
      return stranded.length;
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
