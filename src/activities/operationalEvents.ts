// The operational events the activities emit (a delivery failed, a webhook disabled, a job run
// failed, an emergency run started), dispatched after the commit from the worker, as the fan-out
// dispatches: on the calling activity's task queue, eagerly over the worker's own connection.
import { NativeConnection } from '@temporalio/worker';
import { createEventDispatcher, type EventDispatcher } from '../webhooks/dispatch';
import { createOperationalEvents } from '../webhooks/operationalEvents';
import type { ActivityDeps } from './deps';
import { currentTaskQueue } from './taskQueue';

export function createActivityOperationalEvents(deps: ActivityDeps) {
  // Built at the first dispatch: only a dispatch needs the Temporal client.
  let dispatcher: EventDispatcher | undefined;
  const dispatch: EventDispatcher['dispatch'] = async (...args) => {
    dispatcher ??= createEventDispatcher({
      db: deps.db,
      temporal: deps.temporal,
      eager: deps.temporal.connection instanceof NativeConnection,
      searchAttributes: deps.searchAttributes ?? true,
      directStartMax: deps.config.SWITCHYARD_DIRECT_START_MAX,
      logger: deps.logger,
      taskQueue: currentTaskQueue,
    });
    return dispatcher.dispatch(...args);
  };
  return createOperationalEvents({ db: deps.db, logger: deps.logger, dispatcher: { dispatch } });
}
