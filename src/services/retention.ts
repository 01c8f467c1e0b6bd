/**
 * The `switchyard-retention` Schedule: created at start-up when missing, and brought up to date
 * (spec, action, policies) when it differs, e.g. after SWITCHYARD_RETENTION changed. Its state is
 * left as it is: an operator who paused it in the Web UI has stopped purging until they unpause it.
 */
import {
  ScheduleOverlapPolicy,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { TASK_QUEUE } from '../constants';
import { formatDuration, parseDuration } from '../rules/duration';
import { upsertSchedule } from '../temporal/schedules';
import {
  purgeRetentionAction,
  RETENTION_INTERVAL,
  RETENTION_SCHEDULE_ID,
  retentionWorkflowTypes,
  type PurgeRetentionInput,
  type PurgeRetentionWorkflow,
} from '../workflows/retention/contract';
import type { ServiceDeps } from './deps';

export interface RetentionScheduleTarget {
  retentionMs: number;
  taskQueue: string;
}

export function retentionScheduleOptions(
  t: RetentionScheduleTarget,
): ScheduleOptions<ScheduleOptionsStartWorkflowAction<PurgeRetentionWorkflow>> {
  return {
    scheduleId: RETENTION_SCHEDULE_ID,
    spec: { intervals: [{ every: RETENTION_INTERVAL.everyMs, offset: RETENTION_INTERVAL.offsetMs }] },
    action: purgeRetentionAction({ retentionMs: t.retentionMs }, { taskQueue: t.taskQueue }),
    // A run still purging when the next is due: the next is skipped. Missed while the server was
    // down: caught up within a day.
    policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: RETENTION_INTERVAL.everyMs },
    state: { note: 'managed by Switchyard: purges what finished longer than SWITCHYARD_RETENTION ago' },
  };
}

function matches(d: ScheduleDescription, t: RetentionScheduleTarget): boolean {
  const interval = d.spec.intervals?.[0];
  const action = d.action.type === 'startWorkflow' ? d.action : undefined;
  const input = action?.args?.[0] as Partial<PurgeRetentionInput> | undefined;
  return (
    d.spec.intervals?.length === 1 &&
    interval?.every === RETENTION_INTERVAL.everyMs &&
    (interval?.offset ?? 0) === RETENTION_INTERVAL.offsetMs &&
    !d.spec.calendars?.length &&
    !d.spec.jitter &&
    d.policies.overlap === ScheduleOverlapPolicy.SKIP &&
    d.policies.catchupWindow === RETENTION_INTERVAL.everyMs &&
    action?.workflowType === retentionWorkflowTypes.purgeRetention &&
    action.workflowId === RETENTION_SCHEDULE_ID &&
    action.taskQueue === t.taskQueue &&
    action.args?.length === 1 &&
    Object.keys(input ?? {}).length === 1 &&
    input?.retentionMs === t.retentionMs
  );
}

/** Creates the retention Schedule or brings it up to date; a pause stays. */
export function syncRetentionSchedule(
  temporal: Client,
  t: RetentionScheduleTarget,
): Promise<'created' | 'updated' | 'unchanged'> {
  return upsertSchedule(temporal, retentionScheduleOptions(t), {
    matches: (d) => matches(d, t),
    state: (previous) => ({ paused: previous.state.paused, note: previous.state.note }),
  });
}

/** How long Temporal keeps a closed workflow of the client's namespace (its retention), in ms. */
async function namespaceRetentionMs(temporal: Client): Promise<number | undefined> {
  const { config } = await temporal.workflowService.describeNamespace({
    namespace: temporal.options.namespace,
  });
  const ttl = config?.workflowExecutionRetentionTtl;
  return ttl ? Number(String(ttl.seconds ?? 0)) * 1_000 : undefined;
}

export function createRetentionService(deps: Pick<ServiceDeps, 'temporal' | 'config' | 'logger'>) {
  const { temporal, config, logger } = deps;
  return {
    /**
     * Start-up: the schedule as SWITCHYARD_RETENTION asks for it. Warns when Temporal keeps closed
     * workflows as long or longer: a purged event's id sent again would find the deterministic
     * workflow ids of its deliveries still taken by their closed runs, and those deliveries would
     * not start (README, Retention).
     */
    async reconcileSchedule(): Promise<'created' | 'updated' | 'unchanged'> {
      const retentionMs = parseDuration(config.SWITCHYARD_RETENTION);
      const outcome = await syncRetentionSchedule(temporal, { retentionMs, taskQueue: TASK_QUEUE });
      const retention = config.SWITCHYARD_RETENTION;
      logger.info(
        { scheduleId: RETENTION_SCHEDULE_ID, retention, outcome },
        'retention schedule reconciled with Temporal',
      );
      const kept = await namespaceRetentionMs(temporal).catch(() => undefined);
      if (kept !== undefined && kept >= retentionMs) {
        logger.warn(
          { namespace: temporal.options.namespace, namespaceRetention: formatDuration(kept), retention },
          'Temporal keeps closed workflows at least as long as SWITCHYARD_RETENTION: an event id sent again ' +
            'after its event was purged would not be delivered while Temporal still holds its old runs; ' +
            'make the namespace retention shorter (README, Retention)',
        );
      }
      return outcome;
    },
  };
}
