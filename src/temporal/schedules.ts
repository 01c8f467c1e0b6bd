// Creating a Temporal Schedule or bringing it up to date: what every schedule Switchyard manages
// (recurring jobs, retention) goes through at start-up and on a configuration change.
import {
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleUpdateOptions,
} from '@temporalio/client';
import type { Workflow } from '@temporalio/common';

export interface ScheduleUpsert<W extends Workflow> {
  /** Whether the schedule as Temporal describes it already is what the options ask for. */
  matches(described: ScheduleDescription): boolean;
  /** The state an update leaves the schedule in, from the schedule as it was. */
  state(previous: ScheduleDescription): ScheduleUpdateOptions<ScheduleOptionsStartWorkflowAction<W>>['state'];
}

/**
 * Creates the schedule `options` describe, or updates it (spec, action, policies, and the state
 * `upsert.state` says) when it exists and does not match; idempotent.
 */
export async function upsertSchedule<W extends Workflow>(
  temporal: Client,
  options: ScheduleOptions<ScheduleOptionsStartWorkflowAction<W>>,
  upsert: ScheduleUpsert<W>,
): Promise<'created' | 'updated' | 'unchanged'> {
  const handle = temporal.schedule.getHandle(options.scheduleId);
  let description: ScheduleDescription | undefined;
  try {
    description = await handle.describe();
  } catch (err) {
    if (!(err instanceof ScheduleNotFoundError)) throw err;
  }
  if (!description) {
    try {
      await temporal.schedule.create(options);
      return 'created';
    } catch (err) {
      if (!(err instanceof ScheduleAlreadyRunning)) throw err; // a concurrent reconcile won
    }
  } else if (upsert.matches(description)) {
    return 'unchanged';
  }
  const { scheduleId: _id, memo: _memo, state: _state, ...update } = options;
  await handle.update<W>((previous) => ({ ...update, state: upsert.state(previous) }));
  return 'updated';
}
