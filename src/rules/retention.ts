// Retention (design.md, Contract v2 → Retention): how old a finished row must be before the daily
// `switchyard-retention` Schedule purges it. Pure and free of zod: the workflow bundle imports it.

/** SWITCHYARD_RETENTION's default. */
export const DEFAULT_RETENTION = '30d';
/** The shortest retention (short values exist for tests). */
export const MIN_RETENTION_MS = 1_000;
/** Rows per delete statement: short statements, so the API's queries get their turn in between. */
export const RETENTION_BATCH_SIZE = 500;

/**
 * The instant before which finished rows are purged: `retentionMs` before `nowMs`. A retention
 * reaching back past the Unix epoch purges nothing older than the epoch (no row is).
 */
export function retentionCutoff(nowMs: number, retentionMs: number): Date {
  if (!Number.isSafeInteger(retentionMs) || retentionMs < MIN_RETENTION_MS) {
    throw new RangeError(
      `retention must be a whole number of ms of at least ${MIN_RETENTION_MS}: ${retentionMs}`,
    );
  }
  if (!Number.isFinite(nowMs)) throw new RangeError(`not an instant: ${nowMs}`);
  return new Date(Math.max(0, nowMs - retentionMs));
}
