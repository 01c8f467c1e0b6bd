/**
 * Makes Temporal match PostgreSQL for channel automations: recurring-job Schedules (stable per
 * account × job type, beta per channel × job type) and emergency watchdogs (channel × job type).
 * Every operation is idempotent, so a configuration change, a retried request and start-up all
 * call the same functions.
 */
import {
  ScheduleNotFoundError,
  ScheduleOverlapPolicy,
  WorkflowNotFoundError,
  type Client,
  type ScheduleDescription,
  type ScheduleOptions,
  type ScheduleOptionsStartWorkflowAction,
} from '@temporalio/client';
import { SEARCH_ATTRIBUTES } from '../constants';
import { durationMs } from '../rules/duration';
import { betaInterval, catchupWindowMs, stableInterval, type Interval } from '../rules/schedules';
import { upsertSchedule } from '../temporal/schedules';
import { signalWithStartWorkflow } from '../temporal/workflowStart';
import {
  channelIds,
  channelWorkflowTypes,
  emergencyWatchdogStart,
  reconfigureSignal,
  recurringJobAction,
  stopSignal,
  type RecurringJobInput,
  type RecurringJobWorkflow,
  type StartOptions,
} from '../workflows/channels/contract';
import type { AccountRecurringJobSetting } from '../repositories/accountRecurringJobs';
import type { ChannelAutomationRow } from '../repositories/channels';

export interface ScheduleTarget {
  scheduleId: string;
  input: RecurringJobInput;
  interval: Interval;
  jitterMs: number | null;
  paused: boolean;
}

export interface WatchdogTarget {
  accountId: string;
  channelId: string;
  jobType: string;
  /** null: no watchdog (not in webhook mode, no period, or the channel is gone). */
  periodMs: number | null;
}

export function stableTarget(s: AccountRecurringJobSetting): ScheduleTarget | null {
  if (s.period === null) return null;
  return {
    scheduleId: channelIds.stableSchedule(s.account_id, s.job_type),
    input: { accountId: s.account_id, jobType: s.job_type, release: 'stable' },
    interval: stableInterval(s.period, s.shift),
    jitterMs: durationMs(s.jitter),
    paused: !s.enabled,
  };
}

/** A beta channel's schedule for one job type: only in recurring mode with a main job period. */
export function betaTarget(c: ChannelAutomationRow, jobType: string): ScheduleTarget | null {
  const setting = c.recurring_jobs[jobType];
  if (c.release !== 'beta' || c.mode !== 'recurring' || !setting || setting.main_job_period === null)
    return null;
  return {
    scheduleId: channelIds.betaSchedule(c.id, jobType),
    input: { accountId: c.account_id, jobType, release: 'beta', channelId: c.id },
    interval: betaInterval(setting.main_job_period, setting.delay),
    jitterMs: durationMs(setting.jitter ?? null),
    paused: false,
  };
}

export function watchdogTarget(c: ChannelAutomationRow, jobType: string): WatchdogTarget {
  const period = c.mode === 'webhook' ? (c.webhook_jobs[jobType]?.emergency_job_period ?? null) : null;
  return { accountId: c.account_id, channelId: c.id, jobType, periodMs: durationMs(period) };
}

/** Job types of a channel whose schedules or watchdogs may exist in Temporal. */
function jobTypesOf(c: ChannelAutomationRow | null): string[] {
  return c ? [...Object.keys(c.webhook_jobs), ...Object.keys(c.recurring_jobs)] : [];
}

/** JSON with sorted keys, to compare workflow arguments read back from Temporal. */
function canonical(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([k, x]) => `${JSON.stringify(k)}:${canonical(x)}`)
      .join(',')}}`;
  }
  return JSON.stringify(v);
}

export interface AutomationOptions {
  taskQueue: string;
  /** false: never set search attributes; otherwise they are set when the server has them. */
  searchAttributes?: boolean | undefined;
}

export function createAutomation(temporal: Client, opts: AutomationOptions) {
  let supported: Promise<boolean> | undefined;

  /**
   * Whether the server has Switchyard's search attributes registered (the dev server and the
   * compose setup do; the time-skipping test server cannot). Starting a workflow with unknown
   * attributes fails, so they are only set when present. A failed probe is not cached.
   */
  async function searchAttributesSupported(): Promise<boolean> {
    if (opts.searchAttributes === false) return false;
    supported ??= temporal.connection.operatorService
      .listSearchAttributes({ namespace: temporal.options.namespace })
      .then((r) => SEARCH_ATTRIBUTES.every((sa) => sa.name in (r.customAttributes ?? {})))
      .catch((err: { code?: number }) => {
        if (err.code !== 12) supported = undefined; // 12 = UNIMPLEMENTED: a definite answer
        return false;
      });
    return supported;
  }

  /** Task queue and search attributes for every start and schedule action made here. */
  async function startOptions(): Promise<StartOptions> {
    return { taskQueue: opts.taskQueue, searchAttributes: await searchAttributesSupported() };
  }

  function scheduleOptions(
    t: ScheduleTarget,
    start: StartOptions,
  ): ScheduleOptions<ScheduleOptionsStartWorkflowAction<RecurringJobWorkflow>> {
    return {
      scheduleId: t.scheduleId,
      spec: {
        intervals: [{ every: t.interval.everyMs, offset: t.interval.offsetMs }],
        ...(t.jitterMs ? { jitter: t.jitterMs } : {}),
      },
      action: recurringJobAction(t.scheduleId, t.input, start),
      policies: { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: catchupWindowMs(t.interval.everyMs) },
      state: { paused: t.paused, note: t.paused ? 'disabled in Switchyard' : 'managed by Switchyard' },
    };
  }

  function matches(d: ScheduleDescription, t: ScheduleTarget): boolean {
    const interval = d.spec.intervals?.[0];
    return (
      d.spec.intervals?.length === 1 &&
      interval?.every === t.interval.everyMs &&
      (interval?.offset ?? 0) === t.interval.offsetMs &&
      (d.spec.jitter ?? 0) === (t.jitterMs ?? 0) &&
      d.policies.overlap === ScheduleOverlapPolicy.SKIP &&
      d.policies.catchupWindow === catchupWindowMs(t.interval.everyMs) &&
      d.state.paused === t.paused &&
      d.action.type === 'startWorkflow' &&
      d.action.workflowType === channelWorkflowTypes.recurringJob &&
      d.action.taskQueue === opts.taskQueue &&
      canonical(d.action.args?.[0]) === canonical(t.input)
    );
  }

  /** Creates, updates or deletes one schedule so it matches `target` (null: no schedule). */
  async function syncSchedule(
    scheduleId: string,
    target: ScheduleTarget | null,
  ): Promise<'created' | 'updated' | 'unchanged' | 'deleted' | 'absent'> {
    const handle = temporal.schedule.getHandle(scheduleId);
    if (!target) {
      try {
        await handle.delete();
        return 'deleted';
      } catch (err) {
        if (err instanceof ScheduleNotFoundError) return 'absent';
        throw err;
      }
    }
    const options = scheduleOptions(target, await startOptions());
    return upsertSchedule(temporal, options, {
      matches: (d) => matches(d, target),
      state: () => ({ paused: target.paused, note: options.state?.note }),
    });
  }

  /** Starts, re-periods or stops one watchdog. signalWithStart makes the start idempotent. */
  async function syncWatchdog(t: WatchdogTarget): Promise<'running' | 'stopped'> {
    const workflowId = channelIds.emergency(t.channelId, t.jobType);
    if (t.periodMs === null) {
      try {
        await temporal.workflow.getHandle(workflowId).signal(stopSignal);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      return 'stopped';
    }
    const start = emergencyWatchdogStart(
      { accountId: t.accountId, channelId: t.channelId, jobType: t.jobType, periodMs: t.periodMs },
      await startOptions(),
    );
    await signalWithStartWorkflow(temporal, start, reconfigureSignal, [{ periodMs: t.periodMs }]);
    return 'running';
  }

  /**
   * One channel's schedules and watchdogs after a change from `before` to `after` (null: created /
   * deleted). Only job types that may have something in Temporal are touched.
   */
  async function syncChannel(
    before: ChannelAutomationRow | null,
    after: ChannelAutomationRow | null,
  ): Promise<void> {
    const channel = (after ?? before)!;
    for (const jobType of new Set([...jobTypesOf(before), ...jobTypesOf(after)])) {
      const schedule = after ? betaTarget(after, jobType) : null;
      if (schedule || before?.recurring_jobs[jobType]) {
        await syncSchedule(channelIds.betaSchedule(channel.id, jobType), schedule);
      }
      const watchdog = after
        ? watchdogTarget(after, jobType)
        : { ...watchdogTarget(channel, jobType), periodMs: null };
      if (watchdog.periodMs !== null || before?.webhook_jobs[jobType]?.emergency_job_period) {
        await syncWatchdog(watchdog);
      }
    }
  }

  /** Next fire times (first 3) of a schedule; [] when it does not exist or is paused. */
  async function nextRunTimes(scheduleId: string): Promise<string[]> {
    try {
      const d = await temporal.schedule.getHandle(scheduleId).describe();
      if (d.state.paused) return [];
      return d.info.nextActionTimes.slice(0, 3).map((t) => t.toISOString());
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return [];
      throw err;
    }
  }

  /** The pending emergency deadline of a running watchdog, from its memo; null when there is none. */
  async function emergencyDueAt(channelId: string, jobType: string): Promise<string | null> {
    try {
      const d = await temporal.workflow.getHandle(channelIds.emergency(channelId, jobType)).describe();
      if (d.status.name !== 'RUNNING') return null;
      const due = d.memo?.emergencyDueAt;
      return typeof due === 'string' ? due : null;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return null;
      throw err;
    }
  }

  return {
    searchAttributesSupported,
    startOptions,
    syncSchedule,
    syncWatchdog,
    syncChannel,
    nextRunTimes,
    emergencyDueAt,
  };
}

export type Automation = ReturnType<typeof createAutomation>;
