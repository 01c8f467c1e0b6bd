import { channelIds } from '../workflows/channels/contract';
import type { Db } from '../db/knex';
import { createAccountRecurringJobsRepository } from '../repositories/accountRecurringJobs';
import { createChannelsRepository } from '../repositories/channels';
import type { Automation } from './automation';
import { loadChannel } from './channelRows';

export interface ChannelJobView {
  type: string;
  mode: 'webhook' | 'recurring';
  source: 'channel' | 'account';
  settings: Record<string, unknown>;
  schedule_id: string | null;
  next_run_times: string[];
  emergency_due_at: string | null;
}

/**
 * GET /v1/channels/{id}/jobs: the jobs of the channel's current mode, with what Temporal says
 * about them (next fire times of the Schedule, or the pending emergency deadline).
 */
export function createChannelJobsView(db: Db, automation: Automation) {
  const channels = createChannelsRepository(db);
  const recurring = createAccountRecurringJobsRepository(db);
  return async function jobs(accountId: string, channelId: string): Promise<ChannelJobView[]> {
    const channel = await loadChannel(channels, accountId, channelId);
    if (channel.mode === 'webhook') {
      return Promise.all(
        Object.entries(channel.webhook_jobs).map(async ([type, settings]) => ({
          type,
          mode: 'webhook' as const,
          source: 'channel' as const,
          settings,
          schedule_id: null,
          next_run_times: [],
          emergency_due_at: settings.emergency_job_period
            ? await automation.emergencyDueAt(channel.id, type)
            : null,
        })),
      );
    }
    if (channel.release === 'beta') {
      return Promise.all(
        Object.entries(channel.recurring_jobs).map(async ([type, settings]) => {
          const scheduleId = settings.main_job_period ? channelIds.betaSchedule(channel.id, type) : null;
          return {
            type,
            mode: 'recurring' as const,
            source: 'channel' as const,
            settings,
            schedule_id: scheduleId,
            next_run_times: scheduleId ? await automation.nextRunTimes(scheduleId) : [],
            emergency_due_at: null,
          };
        }),
      );
    }
    // A stable channel in recurring mode runs the account's recurring jobs.
    const rows = await recurring.listForAccount(accountId);
    return Promise.all(
      rows.map(async (r) => {
        const scheduleId = r.period ? channelIds.stableSchedule(accountId, r.job_type) : null;
        return {
          type: r.job_type,
          mode: 'recurring' as const,
          source: 'account' as const,
          settings: { enabled: r.enabled, period: r.period, shift: r.shift, jitter: r.jitter },
          schedule_id: scheduleId,
          next_run_times: scheduleId ? await automation.nextRunTimes(scheduleId) : [],
          emergency_due_at: null,
        };
      }),
    );
  };
}
