/**
 * Bounded exponential retries for job runs: attempt n+1 starts base·2^(n−1) after attempt n failed,
 * capped, for at most JOB_RUN_MAX_ATTEMPTS attempts. Pure (the runJob workflow imports it).
 */
export const JOB_RUN_MAX_ATTEMPTS = 5;
export const JOB_RUN_RETRY_BASE_MS = 10_000;
export const JOB_RUN_RETRY_MAX_MS = 5 * 60_000;
/** Per-attempt connector timeout: connectors do real work (imports, syncs), so longer than a webhook's. */
export const JOB_RUN_TIMEOUT_MS = 30_000;

/** Wait after failed attempt `attempt` (1-based) before the next one; null when none is left. */
export function jobRetryDelayMs(attempt: number, maxAttempts = JOB_RUN_MAX_ATTEMPTS): number | null {
  if (attempt >= maxAttempts) return null;
  return Math.min(JOB_RUN_RETRY_BASE_MS * 2 ** (attempt - 1), JOB_RUN_RETRY_MAX_MS);
}
