// Pure formatting (no DOM): unit-tested in test/unit/console.

/** A UTC timestamp as operators read it in logs: `2026-11-30 07:00:00 UTC`. */
export function formatUtc(iso: string | null | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/** A next-run time as the contract shows it: the UTC clock time (`07:00`), the date beside it. */
export function formatClock(iso: string): string {
  return new Date(iso).toISOString().slice(11, 16);
}
