import { createHash } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { TASK_QUEUE, ids } from '../constants';
import { paginate, type Page } from '../db/paginate';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { newId } from '../ids';
import { SA } from '../searchAttributes';
import type { CreateEventBody } from '../schemas/events';
import type { dispatchEvent } from '../workflows/webhooks/dispatchEvent';
import type { ServiceDeps } from './deps';

export interface EventRow {
  account_id: string;
  id: string;
  seq: string;
  type: string;
  goods_owner_id: string | null;
  occurred_at: Date;
  payload: Record<string, unknown>;
  request_hash: string;
  created_at: Date;
  dispatched_at: Date | null;
}

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

  async function startDispatch(accountId: string, event: Pick<EventRow, 'id' | 'type'>): Promise<void> {
    try {
      await temporal.workflow.start<typeof dispatchEvent>('dispatchEvent', {
        taskQueue: TASK_QUEUE,
        workflowId: ids.dispatch(accountId, event.id),
        args: [{ accountId, eventId: event.id }],
        // Idempotent: a retried POST finds the running fan-out, a finished one is not repeated,
        // and a failed one may run again.
        workflowIdConflictPolicy: 'USE_EXISTING',
        workflowIdReusePolicy: 'ALLOW_DUPLICATE_FAILED_ONLY',
        staticSummary: `${event.type} ${event.id}`,
        ...(deps.searchAttributes === false
          ? {}
          : {
              typedSearchAttributes: [
                { key: SA.account, value: accountId },
                { key: SA.eventType, value: event.type },
              ],
            }),
      });
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
      const inserted = (await db('events')
        .insert({
          account_id: accountId,
          id,
          seq: newId('evt'),
          type: body.type,
          goods_owner_id: body.goods_owner_id ?? null,
          occurred_at: body.occurred_at ? new Date(body.occurred_at) : new Date(),
          payload: JSON.stringify(body.payload),
          request_hash: hash,
        })
        .onConflict(['account_id', 'id'])
        .ignore()
        .returning('*')) as EventRow[];
      const fresh = inserted[0];
      if (!fresh) {
        const existing = (await db('events').where({ account_id: accountId, id }).first()) as EventRow;
        if (existing.request_hash !== hash)
          throw new ConflictError(`event ${id} was already accepted with a different body`);
        // The first request may have died before its fan-out started: make sure it runs.
        if (!existing.dispatched_at) await startDispatch(accountId, existing);
        return { event: existing, created: false };
      }
      try {
        await startDispatch(accountId, fresh);
      } catch (err) {
        await db('events').where({ account_id: accountId, id }).delete();
        throw err;
      }
      deps.metrics.eventsAccepted.inc();
      return { event: fresh, created: true };
    },

    async get(accountId: string, id: string) {
      const event = (await db('events').where({ account_id: accountId, id }).first()) as EventRow | undefined;
      if (!event) throw new NotFoundError('event', id);
      const deliveries = (await db('deliveries')
        .where({ account_id: accountId, event_id: id })
        .orderBy('id')
        .select('id', 'webhook_id', 'status')) as Array<{ id: string; webhook_id: string; status: string }>;
      return { event, deliveries };
    },

    async list(
      accountId: string,
      q: {
        limit: number;
        cursor?: string | undefined;
        type?: string | undefined;
        goods_owner_id?: string | undefined;
      },
    ): Promise<Page<EventRow>> {
      const query = db('events').where({ account_id: accountId, is_test: false }).select('*');
      if (q.type) query.where({ type: q.type });
      if (q.goods_owner_id) query.where({ goods_owner_id: q.goods_owner_id });
      return paginate<EventRow>(query, { ...q, column: 'seq' });
    },

    /** Starts the fan-out of events accepted but never dispatched (a crash between the two steps). */
    async redispatchStranded(olderThanMs = 60_000): Promise<number> {
      const stranded = (await db('events')
        .whereNull('dispatched_at')
        .where('is_test', false)
        .where('created_at', '<', new Date(Date.now() - olderThanMs))
        .limit(1000)
        .select('account_id', 'id', 'type')) as EventRow[];
      for (const e of stranded) await startDispatch(e.account_id, e);
      return stranded.length;
    },
  };
}

export type EventsService = ReturnType<typeof createEventsService>;
