import { z } from 'zod';
import { MAX_DURATION, MAX_DURATION_MS } from './durationLimits';

export { MAX_DURATION, MAX_DURATION_MS } from './durationLimits';

/**
 * Contract durations: `<integer><unit>` with unit s, m, h or d ("90s", "5m", "8h", "1d"); `null`
 * means None. Deliberately strict — no fractions, signs, spaces, upper-case units or leading zeros —
 * so one spelling maps to one value and clients get a 422 instead of a silent misreading.
 */
const DURATION_RE = /^(0|[1-9][0-9]*)([smhd])$/;

export const UNIT_MS = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
type Unit = keyof typeof UNIT_MS;

export const DURATION_MESSAGE = 'must be a duration such as "90s", "5m", "8h" or "1d"';

/** Milliseconds for a duration string; throws on anything that is not `<integer><unit>`. */
export function parseDuration(s: string): number {
  const m = typeof s === 'string' ? DURATION_RE.exec(s) : null;
  if (!m) throw new Error(`invalid duration ${JSON.stringify(s)}: ${DURATION_MESSAGE}`);
  const ms = Number(m[1]) * UNIT_MS[m[2] as Unit];
  // A huge count would lose precision (or become Infinity) and then sleep forever.
  if (!Number.isSafeInteger(ms)) throw new Error(`invalid duration ${JSON.stringify(s)}: too large`);
  return ms;
}

/** Convenience for nullable contract fields: `null` (None) stays `null`. */
export function durationMs(s: string | null | undefined): number | null {
  return s == null ? null : parseDuration(s);
}

/** The inverse of parseDuration, in the largest unit that represents `ms` exactly. */
export function formatDuration(ms: number): string {
  if (!Number.isSafeInteger(ms) || ms < 0 || ms % 1_000 !== 0) {
    throw new Error(`cannot format ${ms} ms as a duration (whole non-negative seconds only)`);
  }
  if (ms === 0) return '0s';
  for (const unit of ['d', 'h', 'm'] as const) {
    if (ms % UNIT_MS[unit] === 0) return `${ms / UNIT_MS[unit]}${unit}`;
  }
  return `${ms / 1_000}s`;
}

function isSafeDuration(s: string): boolean {
  return Number.isSafeInteger(Number(s.slice(0, -1)) * UNIT_MS[s.slice(-1) as Unit]);
}

/** A non-null duration string. Validates only: the value stays a string, as the API echoes it back. */
export const durationSchema = z
  .string()
  .regex(DURATION_RE, DURATION_MESSAGE)
  // Only judge the size of well-formed values, so a malformed one gets exactly one issue.
  .refine((s) => !DURATION_RE.test(s) || isSafeDuration(s), 'is too large')
  .meta({ description: 'Duration `<integer><unit>`, unit s, m, h or d', example: '5m' });

export const nullableDuration = durationSchema.nullable();

/** Milliseconds of a well-formed duration, or undefined: for refinements, which must not throw. */
function safeMs(s: string): number | undefined {
  return DURATION_RE.test(s) && isSafeDuration(s) ? parseDuration(s) : undefined;
}

/** The same-length decimal strings from `a` to `b` (a <= b) as a regular expression. */
function sameLengthRange(a: string, b: string): string {
  if (a === b) return a;
  if (a.length === 1) return `[${a}-${b}]`;
  const [a0, b0, aRest, bRest] = [Number(a[0]), Number(b[0]), a.slice(1), b.slice(1)];
  if (a0 === b0) return `${a0}(?:${sameLengthRange(aRest, bRest)})`;
  const n = aRest.length;
  const parts: string[] = [];
  let from = a0;
  if (aRest !== '0'.repeat(n)) {
    parts.push(`${a0}(?:${sameLengthRange(aRest, '9'.repeat(n))})`);
    from += 1;
  }
  let to = b0;
  const last = bRest === '9'.repeat(n) ? [] : [`${b0}(?:${sameLengthRange('0'.repeat(n), bRest)})`];
  if (last.length > 0) to -= 1;
  if (from <= to) parts.push(`[${from}-${to}][0-9]{${n}}`);
  return [...parts, ...last].join('|');
}

/** The integers lo..hi, written without leading zeros, as a regular expression (no anchors). */
export function integerRangePattern(lo: number, hi: number): string {
  const parts: string[] = [];
  for (let digits = String(lo).length; digits <= String(hi).length; digits++) {
    const from = digits === String(lo).length ? lo : 10 ** (digits - 1);
    const to = digits === String(hi).length ? hi : 10 ** digits - 1;
    if (from <= to) parts.push(sameLengthRange(String(from), String(to)));
  }
  return parts.join('|');
}

/** An anchored pattern for exactly the durations in [minMs, maxMs] (for the OpenAPI document). */
export function boundedDurationPattern(minMs: number, maxMs: number): string {
  const units = (Object.keys(UNIT_MS) as Unit[]).flatMap((unit) => {
    const lo = Math.ceil(minMs / UNIT_MS[unit]);
    const hi = Math.floor(maxMs / UNIT_MS[unit]);
    return lo <= hi ? [`(?:${integerRangePattern(lo, hi)})${unit}`] : [];
  });
  return `^(?:${units.join('|')})$`;
}

/**
 * A duration within [minMs, maxMs]. A malformed value gets only the format message: zod runs a
 * refinement even after the regex has failed, so the bound must not parse (and throw) on its own.
 * The document's pattern states the bound exactly, so a generated value is never refused.
 */
export function boundedDuration(minMs: number, maxMs: number, message: string) {
  return durationSchema
    .refine((s) => {
      const ms = safeMs(s);
      return ms === undefined || (ms >= minMs && ms <= maxMs);
    }, message)
    .meta({
      description: `Duration \`<integer><unit>\`, unit s, m, h or d, between ${formatDuration(minMs)} and ${formatDuration(maxMs)}`,
      pattern: boundedDurationPattern(minMs, maxMs),
    });
}

/**
 * A recurring job's shift: "minimal" or a delay. One string schema with one pattern rather than a
 * union, so that the OpenAPI document says exactly this (a nullable union renders as an `anyOf`
 * with a bare `{nullable: true}` branch, which admits any value).
 */
export function shiftSchema(minimal: string) {
  const delay = boundedDurationPattern(0, MAX_DURATION_MS);
  return z
    .string()
    .refine(
      (s) => s === minimal || delaySchema.safeParse(s).success,
      `must be "${minimal}" or a duration \`<integer><unit>\` of at most ${MAX_DURATION}`,
    )
    .meta({
      description: `"${minimal}" or a duration \`<integer><unit>\`, unit s, m, h or d, between 0s and ${MAX_DURATION}`,
      pattern: `^(?:${minimal}|${delay.slice(1, -1)})$`,
    });
}

/** Periods (how often): at least a second, so a typo cannot make a tight loop. */
export const periodSchema = boundedDuration(1_000, MAX_DURATION_MS, `must be between 1s and ${MAX_DURATION}`);
/** Delays, shifts and jitter: zero is allowed. */
export const delaySchema = boundedDuration(0, MAX_DURATION_MS, `must be at most ${MAX_DURATION}`);
