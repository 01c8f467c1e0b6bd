import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import {
  channelIds,
  channelWorkflowTypes,
  SCHEDULE_PREFIXES,
  stopSignal,
} from '../workflows/channels/contract';
import { createAccountRecurringJobsRepository } from '../repositories/accountRecurringJobs';
import { createChannelsRepository } from '../repositories/channels';
import {
  betaTarget,
  stableTarget,
  watchdogTarget,
  type Automation,
  type ScheduleTarget,
  type WatchdogTarget,
} from './automation';

export interface ReconcileSummary {
  schedules: { synced: number; removed: number };
  watchdogs: { running: number; stopped: number };
  errors: number;
}

/**
 * Start-up reconciliation: every schedule and watchdog PostgreSQL asks for is created or brought
 * up to date, and every `stable:` / `beta:` schedule and running watchdog it does not ask for is
 * removed. Idempotent; one failure is logged and does not stop the rest.
 */
export async function reconcileAll(
  db: Db,
  temporal: Client,
  automation: Automation,
  logger: Logger,
): Promise<ReconcileSummary> {
  const summary: ReconcileSummary = {
    schedules: { synced: 0, removed: 0 },
    watchdogs: { running: 0, stopped: 0 },
    errors: 0,
  };
  const attempt = async (what: Record<string, unknown>, fn: () => Promise<unknown>): Promise<boolean> => {
    try {
      await fn();
      return true;
    } catch (err) {
      summary.errors++;
      logger.warn({ err, ...what }, 'reconciliation step failed');
      return false;
    }
  };

  const schedules = new Map<string, ScheduleTarget>();
  const watchdogs = new Map<string, WatchdogTarget>();
  for (const s of await createAccountRecurringJobsRepository(db).listAll()) {
    const t = stableTarget(s);
    if (t) schedules.set(t.scheduleId, t);
  }
  const channels = await createChannelsRepository(db).listAutomation();
  for (const c of channels) {
    for (const jobType of Object.keys(c.recurring_jobs)) {
      const t = betaTarget(c, jobType);
      if (t) schedules.set(t.scheduleId, t);
    }
    for (const jobType of Object.keys(c.webhook_jobs)) {
      const w = watchdogTarget(c, jobType);
      if (w.periodMs !== null) watchdogs.set(channelIds.emergency(c.id, jobType), w);
    }
  }

  for (const [id, target] of schedules) {
    if (await attempt({ scheduleId: id }, () => automation.syncSchedule(id, target)))
      summary.schedules.synced++;
  }
  for (const [id, target] of watchdogs) {
    if (await attempt({ workflowId: id }, () => automation.syncWatchdog(target))) summary.watchdogs.running++;
  }

  await attempt({ step: 'orphan schedules' }, async () => {
    for await (const s of temporal.schedule.list()) {
      const ours = SCHEDULE_PREFIXES.some((p) => s.scheduleId.startsWith(p));
      if (!ours || schedules.has(s.scheduleId)) continue;
      if (await attempt({ scheduleId: s.scheduleId }, () => automation.syncSchedule(s.scheduleId, null))) {
        summary.schedules.removed++;
      }
    }
  });
  await attempt({ step: 'orphan watchdogs' }, async () => {
    const query = `WorkflowType = '${channelWorkflowTypes.emergencyWatchdog}' AND ExecutionStatus = 'Running'`;
    for await (const wf of temporal.workflow.list({ query })) {
      if (watchdogs.has(wf.workflowId)) continue;
      if (
        await attempt({ workflowId: wf.workflowId }, () =>
          temporal.workflow.getHandle(wf.workflowId).signal(stopSignal),
        )
      ) {
        summary.watchdogs.stopped++;
      }
    }
  });
  logger.info(summary, 'channel automations reconciled with Temporal');
  return summary;
}
