/** Nearest-rank percentile of an ascending array; NaN when empty. */
export function percentile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil((q / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export interface Summary {
  count: number;
  min: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

export function summarize(values: number[]): Summary {
  const sorted = [...values].sort((a, b) => a - b);
  const sum = sorted.reduce((a, b) => a + b, 0);
  return {
    count: sorted.length,
    min: sorted[0] ?? NaN,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted[sorted.length - 1] ?? NaN,
    mean: sorted.length ? sum / sorted.length : NaN,
  };
}

/** Counts per `bucketMs` window from `origin`, e.g. deliveries per second over the run. */
export function perBucket(times: number[], origin: number, bucketMs = 1000): number[] {
  const out: number[] = [];
  for (const t of times) {
    const i = Math.max(0, Math.floor((t - origin) / bucketMs));
    while (out.length <= i) out.push(0);
    out[i]!++;
  }
  return out;
}

export const round = (n: number, digits = 1): number =>
  Number.isFinite(n) ? Math.round(n * 10 ** digits) / 10 ** digits : n;

export const mib = (bytes: number): number => round(bytes / 1024 / 1024, 1);
