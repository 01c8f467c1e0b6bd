import type { ActivityDeps } from './deps';
import { createDeliveryActivities } from './webhooks';
import { createChannelActivities } from './channels';
import { createRetentionActivities } from './retention';

export type { ActivityDeps } from './deps';

/** Activities are thin adapters over injected clients; only entry points build real clients. */
export function createActivities(deps: ActivityDeps) {
  return {
    async noop(): Promise<void> {},
    ...createDeliveryActivities(deps),
    ...createChannelActivities(deps),
    ...createRetentionActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
