// Dispatching a stored event: its deliveries started directly when few, a dispatchEvent workflow
// when many. Shared by the events service (the API's ingest and the sweep, redispatchStranded) and
// the operational events Switchyard emits from its activities (./operationalEvents.ts).
import type { Client } from '@temporalio/client';
import { WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import { createEventsRepository, type EventRow } from '../repositories/events';
import { startWorkflow } from '../temporal/workflowStart';
import { dispatchEventStart } from '../workflows/webhooks/contract';
import { createDeliveryPlanner } from './plan';

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

export interface DispatcherDeps {
  db: Db;
  /** Starts dispatchEvent workflows. */
  temporal: Client;
  /** Starts the deliveries of a direct dispatch: a client on a worker's connection for eager starts. */
  deliveryStarts?: Client;
  /** Whether `deliveryStarts` starts eagerly (on the connection of a worker in this process). */
  eager: boolean;
  searchAttributes: boolean;
  /** SWITCHYARD_DIRECT_START_MAX; undefined: the default for `eager`. */
  directStartMax: number | undefined;
  logger: Logger;
  /** The task queue of the workflows a dispatch starts, read as it begins (default TASK_QUEUE). */
  taskQueue?: () => string | undefined;
}

export function createEventDispatcher(deps: DispatcherDeps) {
  const { db, temporal } = deps;
  const events = createEventsRepository(db);
  const planner = createDeliveryPlanner({
    db,
    temporal: deps.deliveryStarts ?? temporal,
    searchAttributes: deps.searchAttributes,
  });
  const directStartMax = deps.directStartMax ?? (deps.eager ? DIRECT_START_MAX_EAGER : DIRECT_START_MAX);

  async function startDispatch(
    accountId: string,
    event: Pick<EventRow, 'id' | 'type'>,
    taskQueue: string | undefined,
  ): Promise<void> {
    try {
      await startWorkflow(
        temporal,
        dispatchEventStart({
          accountId,
          eventId: event.id,
          eventType: event.type,
          searchAttributes: deps.searchAttributes,
          ...(taskQueue ? { taskQueue } : {}),
        }),
      );
    } catch (err) {
      if (err instanceof WorkflowExecutionAlreadyStartedError) return;
      throw err;
    }
  }

  return {
    /**
     * Dispatches a stored event: routes it to its webhooks and, when at most `directStartMax`
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
    async dispatch(
      accountId: string,
      event: Pick<EventRow, 'id' | 'type'>,
      fresh: boolean,
    ): Promise<number | 'fanOut'> {
      const taskQueue = deps.taskQueue?.();
      const routing = await planner.route(accountId, event.id);
      if (!routing) return 0; // removed meanwhile (its own request failed)
      if (routing.webhooks.length > directStartMax) {
        await startDispatch(accountId, event, taskQueue);
        return 'fanOut';
      }
      const plan = await planner.record(routing, { markDispatched: false });
      if (plan.deliveries.length) {
        const { started, existing, refused } = await planner.start(plan, {
          eager: deps.eager,
          ...(taskQueue ? { taskQueue } : {}),
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
    },
  };
}

export type EventDispatcher = ReturnType<typeof createEventDispatcher>;
