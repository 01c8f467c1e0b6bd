// The contract's bound on a rate-limited webhook: over any interval of length T, at most
// max·(T/per + 1) attempts start. Checked over every window between two observed start times.

export interface RateBreach {
  from: number;
  to: number;
  count: number;
  bound: number;
}

/**
 * The first window [times[i], times[j]] holding more times than max·((T + slackMs)/per + 1), or
 * null. `slackMs` widens every window: times observed after the fact (a receiver's arrival clock)
 * can come closer together than the starts the bucket decided, by scheduling and network jitter.
 */
export function rateBoundBreach(
  times: readonly number[],
  limit: { max: number; perMs: number },
  slackMs = 0,
): RateBreach | null {
  const sorted = [...times].sort((a, b) => a - b);
  for (let i = 0; i < sorted.length; i++) {
    for (let j = i; j < sorted.length; j++) {
      const from = sorted[i] as number;
      const to = sorted[j] as number;
      const count = j - i + 1;
      const bound = limit.max * ((to - from + slackMs) / limit.perMs + 1);
      if (count > bound + 1e-6) return { from, to, count, bound };
    }
  }
  return null;
}
