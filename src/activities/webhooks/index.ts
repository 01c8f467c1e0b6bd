// The webhooks side's activities: the fan-out of an event and the attempts of each delivery.
// Workflows call them by name; the names and their input/output shapes are part of recorded
// histories (test/workflows/histories/), so they do not change.
import type { ActivityDeps } from '../deps';
import { createAttemptActivities } from './attempt';
import { createFanOutActivities } from './fanOut';
import { createLaneActivities } from './lanes';

export type { AttemptInput, AttemptResult } from './attempt';
export type { Plan, PlannedDelivery } from './fanOut';

export function createDeliveryActivities(deps: ActivityDeps) {
  return {
    ...createFanOutActivities(deps),
    ...createAttemptActivities(deps),
    ...createLaneActivities(deps),
  };
}

export type DeliveryActivities = ReturnType<typeof createDeliveryActivities>;
