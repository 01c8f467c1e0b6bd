// Emitting an operational event (src/rules/operationalEvents.ts): recorded as an ordinary event of
// the account in the transaction of its cause, under the id its cause derives (a second try of the
// same cause inserts nothing), then dispatched after the commit like any event (./dispatch.ts).
// If that dispatch fails or the process dies first, the event stays undispatched and the sweep
// (redispatchStranded) dispatches it. Used by the activities (deliveries, job runs) and by the
// channels service (a deleted channel's waiting runs).
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import type { AfterCommit } from '../db/afterCommit';
import { newId } from '../ids';
import type { Logger } from '../logger';
import { createEventsRepository } from '../repositories/events';
import { operationalEventId, type OperationalEvent } from '../rules/operationalEvents';
import type { EventDispatcher } from './dispatch';

export type { OperationalEvent } from '../rules/operationalEvents';

export function createOperationalEvents(deps: { db: Knex; logger: Logger; dispatcher: EventDispatcher }) {
  const events = createEventsRepository(deps.db);

  /**
   * Nobody awaits this (the cause has moved on): it never throws, and it ends in a handler that
   * cannot reject (an unhandled rejection could end the all-in-one process, API included).
   */
  function dispatch(accountId: string, id: string, type: string): void {
    Promise.resolve()
      .then(() => deps.dispatcher.dispatch(accountId, { id, type }, false))
      .catch((err: unknown) => {
        deps.logger.warn(
          { err, eventId: id },
          'operational event not dispatched yet; the sweep dispatches it',
        );
      });
  }

  return {
    /**
     * Records `op` in `trx` (once per cause) and queues its dispatch on `after`, to run once `trx`
     * has committed. Answers the event's id, or undefined when this cause had already recorded it.
     */
    async record(trx: Knex, after: AfterCommit, op: OperationalEvent): Promise<string | undefined> {
      const id = operationalEventId(op.type, op.cause);
      const payload = JSON.stringify(op.payload);
      const inserted = await events.insertIfNew(
        {
          account_id: op.accountId,
          id,
          seq: newId('evt'),
          type: op.type,
          goods_owner_id: op.goodsOwnerId,
          occurred_at: op.occurredAt,
          payload,
          // Compared only when a client posts an event under this id: a different body, a 409.
          request_hash: createHash('sha256').update(`${op.type}\n${payload}`).digest('hex'),
        },
        trx,
      );
      if (!inserted) return undefined;
      after.push(() => dispatch(op.accountId, id, op.type));
      return id;
    },
  };
}

export type OperationalEvents = ReturnType<typeof createOperationalEvents>;
