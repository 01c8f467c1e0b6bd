/**
 * Cross-field rules of a channel's job settings, checked on the merged result of a create or a
 * PATCH (field-level rules live in the zod schemas). Pure, so the service and tests share it.
 */
import type { ErrorDetail } from '../errors';
import { parseDuration } from './duration';
import { shiftMs } from './schedules';

export interface ChannelJobConfig {
  release: 'stable' | 'beta';
  recurring_jobs: Record<
    string,
    { main_job_period: string | null; delay: string | null; jitter?: string | null }
  >;
}

export function channelConfigProblems(c: ChannelJobConfig): ErrorDetail[] {
  const problems: ErrorDetail[] = [];
  const recurring = Object.entries(c.recurring_jobs);
  if (c.release === 'stable' && recurring.length > 0) {
    problems.push({
      path: 'recurring_jobs',
      message:
        'is only available on beta channels; stable channels use the account recurring jobs (PUT /v1/recurring-jobs/{job_type})',
    });
    return problems;
  }
  for (const [type, job] of recurring) {
    if (job.main_job_period === null) continue;
    const main = parseDuration(job.main_job_period);
    if (job.delay !== null && parseDuration(job.delay) >= main) {
      problems.push({
        path: `recurring_jobs.${type}.delay`,
        message: `must be shorter than main_job_period (${job.main_job_period})`,
      });
    }
    if (job.jitter && parseDuration(job.jitter) >= main) {
      problems.push({
        path: `recurring_jobs.${type}.jitter`,
        message: `must be shorter than main_job_period (${job.main_job_period})`,
      });
    }
  }
  return problems;
}

/** Account recurring job (stable): shift and jitter must be shorter than the period. */
export function stableSettingProblems(s: {
  period: string | null;
  shift: string | null;
  jitter: string | null;
}): ErrorDetail[] {
  if (s.period === null) return [];
  const problems: ErrorDetail[] = [];
  const period = parseDuration(s.period);
  if (shiftMs(s.shift) >= period) {
    problems.push({ path: 'shift', message: `must be shorter than period (${s.period}); "minimal" is 5m` });
  }
  if (s.jitter !== null && parseDuration(s.jitter) >= period) {
    problems.push({ path: 'jitter', message: `must be shorter than period (${s.period})` });
  }
  return problems;
}
