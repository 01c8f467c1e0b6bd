// Summarises V8 CPU profiles (`node --cpu-prof`, one .cpuprofile per JS thread) of the Switchyard
// process: self time bucketed by what the code is (the workflow sandbox, Temporal's core bridge,
// PGlite, undici, ...), and the functions with the most self time, optionally within a time window
// (the bench's measured phase) given in the profile's clock (CLOCK_MONOTONIC microseconds, the
// clock of `process.hrtime.bigint() / 1000n` on Linux).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export interface CallFrame {
  functionName: string;
  url: string;
  scriptId?: string | number;
  lineNumber?: number;
  columnNumber?: number;
}

export interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
  hitCount?: number;
}

/** The JSON of a .cpuprofile file (Chrome DevTools protocol `Profiler.Profile`). */
export interface CpuProfile {
  nodes: ProfileNode[];
  /** Microseconds, monotonic clock. */
  startTime: number;
  endTime: number;
  samples?: number[];
  /** Microseconds from the previous sample (the first: from startTime). */
  timeDeltas?: number[];
}

export const BUCKETS = [
  'workflow sandbox',
  'Temporal core bridge',
  'protobuf',
  'payload conversion',
  'Temporal SDK (other JS)',
  'undici / HTTP',
  'PGlite',
  'knex / pg',
  'express + API routes',
  'Switchyard (other src/)',
  'zod',
  'JSON',
  'crypto',
  'pino logging',
  'prom-client metrics',
  'module loading',
  'GC',
  'program',
  'idle',
  'other',
] as const;
export type Bucket = (typeof BUCKETS)[number];

/** Bucket names that are not work: time the thread had nothing to run. */
export const IDLE_BUCKETS: readonly Bucket[] = ['idle'];

const pkg = (...names: string[]) => new RegExp(`/node_modules/(?:${names.join('|')})/`);

/** First match wins. Tested against the frame's URL (a file:// URL, a path, node:..., or empty). */
const URL_RULES: Array<[RegExp, Bucket]> = [
  // The workflow bundle (webpack output run in a vm context: @temporalio/workflow and our workflows)
  // and the worker code that enters and feeds the vm contexts.
  [/workflow-bundle[^/]*\.js$/, 'workflow sandbox'],
  [/\/node_modules\/@temporalio\/workflow\//, 'workflow sandbox'],
  [/\/node_modules\/@temporalio\/worker\/lib\/workflow\//, 'workflow sandbox'],
  [/^node:vm$/, 'workflow sandbox'],
  [/^evalmachine\./, 'workflow sandbox'],
  [pkg('@temporalio/core-bridge'), 'Temporal core bridge'],
  [pkg('@temporalio/proto', 'protobufjs', '@protobufjs/[^/]+', 'long'), 'protobuf'],
  [/\/node_modules\/@temporalio\/common\/lib\/converter\//, 'payload conversion'],
  [
    /\/node_modules\/@temporalio\/common\/lib\/(?:proto-utils|internal-non-workflow\/codec)/,
    'payload conversion',
  ],
  [pkg('@temporalio/[^/]+'), 'Temporal SDK (other JS)'],
  // Only the Temporal worker uses rxjs (its task pipelines).
  [pkg('rxjs'), 'Temporal SDK (other JS)'],
  [pkg('undici', 'llhttp'), 'undici / HTTP'],
  [
    /^node:(?:_http_\w+|http|https|net|tls|dns|internal\/http\w*|internal\/net|internal\/dns\/.*|internal\/stream_base_commons|internal\/undici)$/,
    'undici / HTTP',
  ],
  [pkg('@electric-sql/pglite'), 'PGlite'],
  [
    pkg(
      'knex',
      'knex-pglite',
      'pg',
      'pg-protocol',
      'pg-types',
      'pg-pool',
      'pg-connection-string',
      'postgres-[^/]+',
      'tarn',
    ),
    'knex / pg',
  ],
  [
    pkg(
      'express',
      'router',
      'body-parser',
      'raw-body',
      'type-is',
      'content-type',
      'accepts',
      'negotiator',
      'finalhandler',
      'on-finished',
      'path-to-regexp',
      'qs',
      'iconv-lite',
      'mime-types',
      'mime-db',
      'send',
      'serve-static',
      'cookie',
      'vary',
      'depd',
      'debug',
      'parseurl',
      'statuses',
      'http-errors',
      'merge-descriptors',
      'encodeurl',
      'escape-html',
      'etag',
      'fresh',
      'range-parser',
      'proxy-addr',
      'forwarded',
      'ipaddr\\.js',
    ),
    'express + API routes',
  ],
  [/\/src\/api\//, 'express + API routes'],
  [pkg('zod', '@asteasolutions/zod-to-openapi'), 'zod'],
  [pkg('safe-stable-stringify', 'fast-safe-stringify', 'secure-json-parse', 'fast-json-stringify'), 'JSON'],
  [/^node:(?:crypto|internal\/crypto\/.*)$/, 'crypto'],
  [pkg('standardwebhooks', '@stablelib/[^/]+'), 'crypto'],
  [
    pkg(
      'pino',
      'pino-std-serializers',
      'sonic-boom',
      'thread-stream',
      'on-exit-leak-free',
      'atomic-sleep',
      'quick-format-unescaped',
    ),
    'pino logging',
  ],
  [/\/src\/logger\.ts$/, 'pino logging'],
  [pkg('prom-client', 'tdigest', 'bintrees'), 'prom-client metrics'],
  [/\/src\/metrics\.ts$/, 'prom-client metrics'],
  [pkg('tsx', 'esbuild', 'get-tsconfig', 'source-map[^/]*', 'webpack', 'memfs'), 'module loading'],
  [/^node:internal\/(?:modules\/.*|vm\/module|process\/esm_loader)$/, 'module loading'],
  [/\/src\//, 'Switchyard (other src/)'],
];

/** JSON built-ins show up as frames without a URL named after the method. */
const JSON_FUNCTIONS = new Set([
  'parse',
  'stringify',
  'JSON.parse',
  'JSON.stringify',
  'JsonParse',
  'JsonStringify',
]);

/**
 * The bucket of one frame, or undefined when the frame says nothing by itself (a built-in, a
 * native or WebAssembly function, Node's own event-loop and stream glue) and its self time
 * belongs to whoever called it.
 */
export function classifyFrame(frame: CallFrame): Bucket | undefined {
  const { functionName: fn, url } = frame;
  if (fn === '(garbage collector)') return 'GC';
  if (fn === '(idle)') return 'idle';
  if (fn === '(program)') return 'program';
  // (root) has no bucket, so Node's event-loop glue called straight from it ends up in 'other'.
  if (fn === '(root)') return undefined;
  if (!url) {
    if (JSON_FUNCTIONS.has(fn)) return 'JSON';
    if (fn === 'runInContext' || fn === 'runInNewContext') return 'workflow sandbox';
    return undefined;
  }
  for (const [re, bucket] of URL_RULES) if (re.test(url)) return bucket;
  // WebAssembly (PGlite's postgres, undici's llhttp) and Node's internals: the caller decides.
  if (url.startsWith('wasm://') || url.startsWith('node:')) return undefined;
  return 'other';
}

export interface FunctionTime {
  functionName: string;
  /** The file, shortened to what follows node_modules/ or the repository root. */
  url: string;
  line: number;
  bucket: Bucket;
  ms: number;
}

export interface ProfileSummary {
  /** Milliseconds the summary covers (the window, or the whole profile). */
  wallMs: number;
  /** Sampled milliseconds that were not idle: the thread's CPU as the profiler saw it. */
  busyMs: number;
  buckets: Record<Bucket, number>;
  topFunctions: FunctionTime[];
}

export interface SummaryOptions {
  /** Count only samples taken at or after this time (µs, the profile's clock). */
  fromUs?: number;
  /** Count only samples taken before this time (µs). */
  toUs?: number;
  /** How many functions to list (default 15); idle, program and GC are never listed. */
  top?: number;
}

export function shortUrl(url: string): string {
  const nm = url.lastIndexOf('/node_modules/');
  if (nm >= 0) return url.slice(nm + '/node_modules/'.length);
  const m = /\/(src|bench|test)\/.*$/.exec(url);
  if (m) return m[0].slice(1);
  return url.replace(/^file:\/\//, '');
}

export function emptyBuckets(): Record<Bucket, number> {
  return Object.fromEntries(BUCKETS.map((b) => [b, 0])) as Record<Bucket, number>;
}

/**
 * Self time by bucket and by function. Each sample lasts until the next one (the last until the
 * profile's end), as DevTools counts it; a frame without a bucket of its own passes its self time
 * to the nearest caller that has one ('other' when none has).
 */
export function summarizeProfile(profile: CpuProfile, opts: SummaryOptions = {}): ProfileSummary {
  const byId = new Map<number, ProfileNode>();
  const parent = new Map<number, number>();
  for (const node of profile.nodes) {
    byId.set(node.id, node);
    for (const c of node.children ?? []) parent.set(c, node.id);
  }
  const bucketOf = new Map<number, Bucket>();
  const resolveBucket = (id: number): Bucket => {
    const known = bucketOf.get(id);
    if (known) return known;
    const chain: number[] = [];
    let cur: number | undefined = id;
    let found: Bucket | undefined;
    while (cur !== undefined) {
      const cached = bucketOf.get(cur);
      if (cached) {
        found = cached;
        break;
      }
      chain.push(cur);
      const own = classifyFrame(byId.get(cur)!.callFrame);
      if (own) {
        found = own;
        break;
      }
      cur = parent.get(cur);
    }
    const b = found ?? 'other';
    for (const n of chain) bucketOf.set(n, b);
    return b;
  };

  const selfUs = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const from = opts.fromUs ?? -Infinity;
  const to = opts.toUs ?? Infinity;
  let t = profile.startTime;
  const times = samples.map((_, i) => (t += deltas[i] ?? 0));
  for (let i = 0; i < samples.length; i++) {
    const at = times[i]!;
    if (at < from || at >= to) continue;
    const end = Math.min(i + 1 < samples.length ? times[i + 1]! : profile.endTime, to);
    const us = Math.max(0, end - at);
    selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + us);
  }

  const buckets = emptyBuckets();
  const fns = new Map<string, FunctionTime>();
  for (const [id, us] of selfUs) {
    const bucket = resolveBucket(id);
    const ms = us / 1000;
    buckets[bucket] += ms;
    if (bucket === 'idle' || bucket === 'program' || bucket === 'GC') continue;
    const f = byId.get(id)!.callFrame;
    const key = `${f.functionName}\u0000${f.url}\u0000${f.lineNumber ?? -1}`;
    const entry = fns.get(key);
    if (entry) entry.ms += ms;
    else
      fns.set(key, {
        functionName: f.functionName || '(anonymous)',
        url: shortUrl(f.url),
        line: (f.lineNumber ?? -1) + 1,
        bucket,
        ms,
      });
  }
  const wallMs = (Math.min(to, profile.endTime) - Math.max(from, profile.startTime)) / 1000;
  const busyMs = Object.entries(buckets)
    .filter(([b]) => !IDLE_BUCKETS.includes(b as Bucket))
    .reduce((a, [, v]) => a + v, 0);
  const topFunctions = [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, opts.top ?? 15);
  return { wallMs: Math.max(0, wallMs), busyMs, buckets, topFunctions };
}

/** Adds summaries (e.g. of the process's threads) into one: buckets and functions summed. */
export function mergeSummaries(parts: ProfileSummary[], top = 15): ProfileSummary {
  const buckets = emptyBuckets();
  const fns = new Map<string, FunctionTime>();
  let wallMs = 0;
  let busyMs = 0;
  for (const p of parts) {
    wallMs = Math.max(wallMs, p.wallMs);
    busyMs += p.busyMs;
    for (const b of BUCKETS) buckets[b] += p.buckets[b];
    for (const f of p.topFunctions) {
      const key = `${f.functionName}\u0000${f.url}\u0000${f.line}`;
      const entry = fns.get(key);
      if (entry) entry.ms += f.ms;
      else fns.set(key, { ...f });
    }
  }
  return {
    wallMs,
    busyMs,
    buckets,
    topFunctions: [...fns.values()].sort((a, b) => b.ms - a.ms).slice(0, top),
  };
}

export interface ThreadProfile {
  file: string;
  pid: number;
  /** Node's thread id: 0 is the main thread, the others are worker threads. */
  threadId: number;
  summary: ProfileSummary;
}

/** `CPU.<date>.<time>.<pid>.<threadId>.<seq>.cpuprofile`, as node names them. */
export function parseProfileName(file: string): { pid: number; threadId: number } | undefined {
  const m = /^CPU\.\d+\.\d+\.(\d+)\.(\d+)\.\d+\.cpuprofile$/.exec(file);
  return m ? { pid: Number(m[1]), threadId: Number(m[2]) } : undefined;
}

/** Summarises every .cpuprofile in a directory (the threads of a process) within a window. */
export function summarizeProfileDir(dir: string, opts: SummaryOptions = {}): ThreadProfile[] {
  const out: ThreadProfile[] = [];
  for (const file of readdirSync(dir).sort()) {
    const ids = parseProfileName(file);
    if (!ids) continue;
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as CpuProfile;
    // A profile that ended before the window or started after it (e.g. a short-lived child
    // process) has nothing to say about it.
    if (opts.toUs !== undefined && profile.startTime >= opts.toUs) continue;
    if (opts.fromUs !== undefined && profile.endTime <= opts.fromUs) continue;
    // Ask for more functions per thread so the merged top list is right.
    out.push({ file, ...ids, summary: summarizeProfile(profile, { ...opts, top: 200 }) });
  }
  return out;
}

/** A copy with every bucket and function time multiplied by `factor` (e.g. thread CPU ÷ sampled busy time). */
export function scaleSummary(s: ProfileSummary, factor: number): ProfileSummary {
  const f = Number.isFinite(factor) ? factor : 0;
  const buckets = emptyBuckets();
  for (const b of BUCKETS) buckets[b] = IDLE_BUCKETS.includes(b) ? s.buckets[b] : s.buckets[b] * f;
  return {
    wallMs: s.wallMs,
    busyMs: s.busyMs * f,
    buckets,
    topFunctions: s.topFunctions.map((fn) => ({ ...fn, ms: fn.ms * f })),
  };
}

/**
 * What the process's threads other than the profiled JS threads used, by kind, from their names
 * in /proc (CPU ms): Temporal's core SDK runs on tokio threads, V8's parallel GC and compiler on
 * its platform workers, the profiler on its own thread.
 */
export function nativeThreadKind(name: string): string {
  // tokio's workers, and core's workflow-processing thread (its workflow state machines).
  if (name.startsWith('tokio-runtime') || name.startsWith('workflow-proces'))
    return 'Temporal core (Rust threads)';
  if (name.startsWith('V8 DefaultWorke') || name.startsWith('V8 ')) return 'V8 helper threads (GC, compiler)';
  if (name === 'v8:ProfEvntProc') return 'CPU profiler thread (--profile overhead)';
  if (name.startsWith('libuv-worker')) return 'libuv thread pool';
  return `other threads (${name})`;
}

/** Bucket rows sorted by time, as ms per item and share of the busy (non-idle) time. */
export function bucketRows(
  s: ProfileSummary,
  items: number,
): Array<{ bucket: Bucket; msPerItem: number; share: number }> {
  return BUCKETS.filter((b) => s.buckets[b] > 0)
    .map((b) => ({
      bucket: b,
      msPerItem: s.buckets[b] / Math.max(1, items),
      share: IDLE_BUCKETS.includes(b) ? NaN : s.buckets[b] / Math.max(1e-9, s.busyMs),
    }))
    .sort((a, b) => b.msPerItem - a.msPerItem);
}
