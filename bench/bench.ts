// `npm run bench -- --webhooks W --events E --concurrency C [--fail-rate p] [--rate R] [--json out]`
// `npm run bench -- ... --ordering-keys K [--fail-rate p] [--compare-plain]`: ordered lanes, checked
// `npm run bench -- ... --rate-limit N/per [--unlimited-webhooks M] [--compare-plain]`: limits, checked
//
// Starts Switchyard as a child process (the `npm start` stack on embedded defaults in a fresh data
// dir on free ports, or pointed at DATABASE_URL / TEMPORAL_ADDRESS when they are set), a loopback
// receiver, W webhooks and E events, and measures the path POST /v1/events → receiver, beside two
// baselines measured in the same run: the receiver driven directly by undici, and Temporal's own
// ceiling (noopWorkflow × N on the same server and worker). Writes JSON and an SVG chart under
// bench-results/.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, freemem, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Api, postEvents, type PostResult } from './lib/api';
import { parseArgs } from './lib/args';
import {
  connectTemporal,
  directBaseline,
  historyLength,
  historyTypes,
  noopBaseline,
  type RateResult,
} from './lib/baselines';
import { freePort, sleep, waitUntil } from './lib/net';
import {
  REPO_ROOT,
  RssSampler,
  cpuWindow,
  type CpuWindow,
  SwitchyardProcess,
  installExitHandlers,
  onCleanup,
  pidFromFile,
  runMain,
} from './lib/procs';
import {
  bucketRows,
  mergeSummaries,
  nativeThreadKind,
  scaleSummary,
  summarizeProfileDir,
  type ThreadProfile,
} from './lib/profileSummary';
import { Progress } from './lib/progress';
import { analyseControls, controlLines, type ControlsReport } from './lib/controls';
import { BenchReceiver, type Fault } from './lib/receiver';
import { parseRateLimit, type RateLimit } from './lib/rateCheck';
import { mib, perBucket, round, summarize } from './lib/stats';
import { renderChart } from './lib/svg';
import { readThreadCpu, threadCpuDelta } from './lib/threads';

const args = parseArgs('npm run bench --', {
  webhooks: { type: 'number', default: 10, help: 'webhooks subscribed to the event type (W)' },
  events: { type: 'number', default: 300, help: 'events posted (E); W × E deliveries' },
  concurrency: {
    type: 'number',
    default: 16,
    help: 'requests in flight (events, noop starts, direct POSTs)',
  },
  'fail-rate': {
    type: 'number',
    default: 0,
    help: "probability that a delivery's first attempt answers 500",
  },
  fault: {
    type: 'string',
    default: 'status500',
    help: 'how a failing first attempt fails: status500, hang, reset, or slow (every answer 200 after --slow-ms)',
  },
  'slow-ms': {
    type: 'string',
    default: '200,800',
    help: 'min,max answer delay for --fault slow (applies to a --fail-rate share; use 1 for all)',
  },
  rate: { type: 'number', default: 0, help: 'pace events to R per second (0: as fast as accepted)' },
  'half-rate': {
    type: 'boolean',
    help: 'after the full-speed run, run again paced at half the measured sustainable event rate',
  },
  countdown: { type: 'number', default: 1, help: 'fixed retry countdown of the webhooks, seconds' },
  'ordering-keys': {
    type: 'number',
    default: 0,
    help: "K: webhooks ordering per_key, events keyed over K keys (a key's posted one after another); order violations checked (with --fail-rate P, first attempts fail and retry after --countdown)",
  },
  'rate-limit': {
    type: 'string',
    default: '',
    help: 'N/per, e.g. 5/1s: webhooks get rate_limit {max: N, per}; attempts checked over every window',
  },
  'rate-slack-ms': {
    type: 'number',
    default: 100,
    help: "with --rate-limit: an attempt's start-to-arrival jitter allowed in the window check",
  },
  'unlimited-webhooks': {
    type: 'number',
    default: 0,
    help: 'with --rate-limit: M more webhooks without a limit on the same events, reported apart',
  },
  'compare-plain': {
    type: 'boolean',
    help: 'with --ordering-keys / --rate-limit: first run the same shape on webhooks with neither',
  },
  noop: {
    type: 'number',
    default: -1,
    help: 'noopWorkflow runs for the Temporal ceiling (default (W + M) × E; 0: skip)',
  },
  direct: {
    type: 'number',
    default: -1,
    help: 'direct undici POSTs for the receiver ceiling (default (W + M) × E; 0: skip)',
  },
  'history-sample': { type: 'number', default: 20, help: 'deliveries whose Temporal history is counted' },
  warmup: { type: 'number', default: 20, help: 'warm-up events (one webhook) before measuring' },
  timeout: { type: 'number', default: 900, help: 'bound on each measured phase, seconds' },
  stall: { type: 'number', default: 90, help: 'give up when no delivery arrives for this long, seconds' },
  json: { type: 'string', default: '', help: 'JSON result path (default bench-results/bench-<time>.json)' },
  label: { type: 'string', default: '', help: 'a label stored with the result' },
  'log-level': { type: 'string', default: 'warn', help: 'LOG_LEVEL of the Switchyard process' },
  keep: { type: 'boolean', help: 'keep the temporary data dir (PGlite, Temporal SQLite, logs)' },
  profile: { type: 'boolean', help: 'write a V8 CPU profile of the Switchyard process to bench-results/' },
});

const W = Math.floor(args.webhooks);
const E = Math.floor(args.events);
const C = Math.max(1, Math.floor(args.concurrency));
if (W < 1 || E < 1) {
  process.stderr.write('bench: --webhooks and --events must be at least 1\n');
  process.exit(2);
}
const K = Math.floor(args['ordering-keys']);
const M = Math.floor(args['unlimited-webhooks']);
let rateLimit: RateLimit | undefined;
try {
  rateLimit = args['rate-limit'] ? parseRateLimit(args['rate-limit']) : undefined;
} catch (err) {
  process.stderr.write(`bench: --rate-limit: ${(err as Error).message}\n`);
  process.exit(2);
}
/** Ordering or a rate limit is measured: the checks run, and --compare-plain may add a plain run. */
const controlled = K > 0 || rateLimit !== undefined;
if ((M > 0 && !rateLimit) || (args['compare-plain'] && !controlled)) {
  process.stderr.write('bench: --unlimited-webhooks needs --rate-limit; --compare-plain needs either\n');
  process.exit(2);
}
/** Webhooks per event: W, plus the unlimited ones. */
const F = W + M;
const noopCount = args.noop < 0 ? F * E : Math.floor(args.noop);
const directCount = args.direct < 0 ? F * E : Math.floor(args.direct);
const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface PhaseResult {
  label: string;
  rate: number;
  events: { posted: number; accepted: number; refused: number; perSecond: number; postLatencyMs: unknown };
  deliveries: {
    expected: number;
    delivered: number;
    lost: number;
    duplicates: number;
    perSecond: number;
    seconds: number;
    attemptsPerDelivery: number;
    requestsPerDelivery: number;
    injectedFaults: number;
    maxInFlight: number;
    outcome: string;
  };
  latencyMs: ReturnType<typeof summarize>;
  perSecond: { accepted: number[]; delivered: number[] };
  cpu: ReturnType<typeof cpuReport>;
  latencies: number[];
  eventIds: string[];
  /** The measured window in the CPU profiles' clock (CLOCK_MONOTONIC µs). */
  window: { fromUs: number; toUs: number };
  /** CPU seconds of the Switchyard process's threads in the window, by thread name. */
  threadCpuSeconds: Record<string, number>;
  /** With --ordering-keys / --rate-limit: the order and window checks. */
  controls?: ControlsReport;
}

/** An account and its webhooks: numbers firstHook.. (W, then the M unlimited ones). */
interface Setup {
  account: { id: string; key: string };
  webhookIds: string[];
  firstHook: number;
  /** The --compare-plain run's: neither ordering nor a limit. */
  plain: boolean;
}

/** CPU use in a window: seconds per process, per item (ms), and as a share of the machine. */
function cpuReport(w: CpuWindow, items: number) {
  const r = (n: number) => round(n, 2);
  return {
    seconds: r(w.seconds),
    coresAvailable: r(w.capacity / Math.max(w.seconds, 1e-9)),
    processSeconds: Object.fromEntries(Object.entries(w.processes).map(([k, v]) => [k, r(v)])),
    msPerItem: Object.fromEntries(
      Object.entries(w.processes).map(([k, v]) => [k, r((v * 1000) / Math.max(1, items))]),
    ),
    otherProcessesSeconds: r(w.others),
    iowaitSeconds: r(w.iowait),
    machineBusyShare: r((Object.values(w.processes).reduce((a, b) => a + b, 0) + w.others) / w.capacity),
  };
}

async function main(): Promise<number> {
  installExitHandlers();
  const resultsDir = resolve(REPO_ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-bench-'));
  const profileDir = join(resultsDir, `profile-${runId}`);
  if (!args.keep) onCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
  const external = {
    database: Boolean(process.env.DATABASE_URL),
    temporal: Boolean(process.env.TEMPORAL_ADDRESS),
  };

  const fault = args.fault as Fault;
  if (!['status500', 'hang', 'reset', 'slow'].includes(fault)) {
    process.stderr.write(`bench: --fault must be status500, hang, reset or slow\n`);
    return 2;
  }
  const [slowMin, slowMax] = args['slow-ms'].split(',').map(Number) as [number, number];
  const receiver = await BenchReceiver.start({
    failRate: args['fail-rate'],
    fault,
    slowMs: [slowMin, slowMax ?? slowMin],
    hangMs: 12_000,
    recordAttempts: controlled,
  });
  onCleanup(() => receiver.close());

  const port = await freePort();
  const temporalPort = await freePort();
  const uiPort = await freePort();
  const adminKey = `sya_bench_${randomBytes(16).toString('hex')}`;
  log(`bench ${runId}: starting Switchyard (data dir ${dataDir})`);
  const sw = new SwitchyardProcess({
    name: 'switchyard',
    script: 'start',
    logFile: join(dataDir, 'switchyard.log'),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_ADMIN_KEY: adminKey,
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: args['log-level'],
    },
    nodeArgs: [
      ...(args.profile ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      ...(process.env.BENCH_NODE_ARGS ? process.env.BENCH_NODE_ARGS.split(' ') : []),
    ],
  });
  onCleanup(() => sw.stop());
  const rss = new RssSampler();
  rss.track('switchyard', () => (sw.alive ? sw.pid : undefined));
  rss.track('bench', () => process.pid);
  rss.start();
  const startedAt = performance.now();
  await sw.ready();
  const api = new Api(`http://127.0.0.1:${port}`, C);
  onCleanup(() => api.close());
  await api.waitReady(120_000, () => sw.alive);
  log(`bench: Switchyard is ready after ${((performance.now() - startedAt) / 1000).toFixed(1)} s`);
  const temporalPid = external.temporal ? undefined : pidFromFile(join(dataDir, 'temporal-dev-server.pid'));
  if (temporalPid) rss.track('temporal', () => temporalPid);
  const temporalAddress = process.env.TEMPORAL_ADDRESS ?? `127.0.0.1:${temporalPort}`;
  const { client, connection } = await connectTemporal(temporalAddress, process.env.TEMPORAL_NAMESPACE);
  onCleanup(() => connection.close());

  // Warm-up: V8 contexts, workflow bundle caches, connection pools, JIT.
  if (args.warmup > 0) {
    const warm = await api.createAccount(adminKey, 'bench warm-up');
    await api.createWebhooks(warm.key, 1, {
      receiverUrl: receiver.url,
      eventType: 'package.created',
      countdownSeconds: 1,
      maxAttempts: 5,
      timeout: '10s',
      firstIndex: 900_000,
    });
    const ids = Array.from({ length: args.warmup }, (_, i) => `evt-warm-${runId}-${i}`);
    await postEvents(api, {
      key: warm.key,
      ids,
      type: 'package.created',
      concurrency: C,
      rate: 0,
      retries: 3,
      deadlineMs: 60_000,
    });
    await waitUntil(() => receiver.delivered.size >= ids.length, {
      deadlineMs: 60_000,
      stallMs: 30_000,
      progress: () => receiver.delivered.size,
    });
    await noopBaseline(client, {
      count: Math.min(50, args.warmup * 2),
      concurrency: C,
      prefix: `noop-warm-${runId}`,
      deadlineMs: 60_000,
    });
    receiver.reset();
  }

  const secretKey = `whsec_${randomBytes(24).toString('base64')}`;
  // Each setup is its own account, so its events reach only its webhooks.
  const createSetup = async (name: string, firstHook: number, plain: boolean): Promise<Setup> => {
    const account = await api.createAccount(adminKey, name);
    const common = {
      receiverUrl: receiver.url,
      eventType: 'package.created',
      countdownSeconds: args.countdown,
      maxAttempts: 5,
      timeout: '10s',
      secretKey,
      ...(K > 0 && !plain ? { ordering: 'per_key' as const } : {}),
    };
    const limit = rateLimit && !plain ? { rateLimit: { max: rateLimit.max, per: rateLimit.per } } : {};
    const webhookIds = await api.createWebhooks(account.key, W, {
      ...common,
      ...limit,
      firstIndex: firstHook,
    });
    if (M > 0)
      webhookIds.push(
        ...(await api.createWebhooks(account.key, M, { ...common, firstIndex: firstHook + W })),
      );
    return { account, webhookIds, firstHook, plain };
  };
  const plainSetup = args['compare-plain'] ? await createSetup('bench plain', 100_000, true) : undefined;
  const setup = await createSetup('bench', 0, false);
  const { account, webhookIds } = setup;
  if (rateLimit) {
    const seconds = (Math.max(0, E - rateLimit.max) / rateLimit.max) * (rateLimit.perMs / 1000);
    log(`bench: rate limit ${args['rate-limit']}: ${E} events take at least ${round(seconds, 1)} s per run`);
  }

  // Baseline (b) first: it leaves the Temporal database bigger, which can only slow what follows.
  rss.resetWindow();
  const nproc = cpus().length;
  let noop: RateResult | undefined;
  let noopCpu: ReturnType<typeof cpuReport> | undefined;
  if (noopCount > 0) {
    const closeCpu = cpuWindow(rss, nproc);
    let done = 0;
    const bar = new Progress('noop     ', noopCount, () => done).start();
    noop = await noopBaseline(client, {
      count: noopCount,
      concurrency: C,
      prefix: `noop-${runId}`,
      deadlineMs: args.timeout * 1000,
      onDone: () => done++,
    });
    bar.stop();
    noopCpu = cpuReport(closeCpu(), noop.count - noop.unfinished);
  }

  const runPhase = async (
    label: string,
    rate: number,
    firstEvent: number,
    { account, firstHook, plain }: Setup = setup,
  ): Promise<PhaseResult> => {
    receiver.reset();
    const eventIds = Array.from({ length: E }, (_, i) => `evt-${runId}-${firstEvent + i}`);
    const orderingKeys = K > 0 ? eventIds.map((_, i) => `key-${i % K}`) : undefined;
    const posts = new Map<string, PostResult>();
    let accepted = 0;
    let postingDone = false;
    const expectedNow = () => accepted * F;
    const bar = new Progress(
      `${label.padEnd(9)}`,
      E * F,
      () => receiver.delivered.size,
      controlled
        ? () => `events ${accepted}/${E}, attempts ${receiver.requests}`
        : () => `events ${accepted}/${E}`,
    ).start();
    const origin = performance.now();
    const closeCpu = cpuWindow(rss, nproc);
    const threads0 = sw.pid ? readThreadCpu(sw.pid) : new Map();
    const fromUs = monotonicUs();
    const posting = postEvents(api, {
      key: account.key,
      ids: eventIds,
      type: 'package.created',
      concurrency: C,
      rate,
      retries: 2,
      deadlineMs: args.timeout * 1000,
      orderingKeys,
      onDone: (r) => {
        posts.set(r.id, r);
        if (r.accepted) accepted++;
      },
    }).finally(() => {
      postingDone = true;
    });
    const outcome = await waitUntil(() => postingDone && receiver.delivered.size >= expectedNow(), {
      deadlineMs: args.timeout * 1000,
      stallMs: args.stall * 1000,
      progress: () => receiver.delivered.size + accepted,
    });
    await posting;
    const cpuWin = closeCpu();
    const toUs = monotonicUs();
    const threadCpuSeconds = sw.pid ? threadCpuDelta(sw.pid, threads0, readThreadCpu(sw.pid)) : {};
    await sleep(1000); // late duplicates
    bar.stop();

    const acceptedIds = new Set([...posts.values()].filter((p) => p.accepted).map((p) => p.id));
    const latencies: number[] = [];
    const arrivals: number[] = [];
    let attempts = 0;
    let delivered = 0;
    for (const [key, a] of receiver.delivered) {
      const [eventId] = key.split(' ') as [string];
      const post = posts.get(eventId);
      if (!post || !acceptedIds.has(eventId)) continue;
      delivered++;
      attempts += a.attempt;
      latencies.push(a.at - post.start);
      arrivals.push(a.at);
    }
    const postList = [...posts.values()];
    const acceptedEnds = postList.filter((p) => p.accepted).map((p) => p.end);
    const firstStart = Math.min(...postList.map((p) => p.start));
    const postSeconds = (Math.max(...acceptedEnds) - firstStart) / 1000;
    const deliverSeconds = (Math.max(...arrivals) - firstStart) / 1000;
    const expected = acceptedIds.size * F;
    const controls =
      controlled &&
      analyseControls({
        posts: postList,
        attempts: receiver.attempts,
        delivered: receiver.delivered,
        firstHook,
        webhooks: W,
        unlimitedWebhooks: M,
        orderingKeys: K,
        rateLimit,
        slackMs: args['rate-slack-ms'],
        enforced: !plain,
        origin: firstStart,
      });
    return {
      label,
      rate,
      events: {
        posted: postList.length,
        accepted: acceptedIds.size,
        refused: postList.length - acceptedIds.size,
        perSecond: round(acceptedIds.size / postSeconds),
        postLatencyMs: roundAll(summarize(postList.filter((p) => p.accepted).map((p) => p.end - p.start))),
      },
      deliveries: {
        expected,
        delivered,
        lost: expected - delivered,
        duplicates: receiver.duplicates,
        perSecond: round(delivered / deliverSeconds),
        seconds: round(deliverSeconds, 2),
        attemptsPerDelivery: round(attempts / Math.max(1, delivered), 3),
        maxInFlight: receiver.maxInFlight,
        requestsPerDelivery: round(receiver.requests / Math.max(1, delivered), 3),
        injectedFaults: receiver.injectedFaults,
        outcome,
      },
      latencyMs: roundAll(summarize(latencies)),
      cpu: cpuReport(cpuWin, delivered),
      perSecond: { accepted: perBucket(acceptedEnds, origin), delivered: perBucket(arrivals, origin) },
      latencies,
      eventIds: eventIds.filter((id) => acceptedIds.has(id)),
      window: { fromUs, toUs },
      threadCpuSeconds: roundAll(threadCpuSeconds),
      ...(controls ? { controls } : {}),
    };
  };

  const phases: PhaseResult[] = [];
  const paced = args.rate > 0 ? `paced ${args.rate}/s` : '';
  // What the main run measures, e.g. "ordered+limited"; nothing for the plain bench.
  const what = [K > 0 ? 'ordered' : '', rateLimit ? 'limited' : ''].filter(Boolean).join('+');
  if (plainSetup)
    phases.push(await runPhase(['plain', paced].filter(Boolean).join(' '), args.rate, 2 * E, plainSetup));
  const mainIndex = phases.length;
  phases.push(await runPhase([what, paced].filter(Boolean).join(' ') || 'switchyard', args.rate, 0));
  if (args['half-rate']) {
    const sustainable = phases[mainIndex]!.deliveries.perSecond / F;
    const half = round(sustainable / 2, 1);
    log(`bench: sustainable ≈ ${round(sustainable, 1)} events/s; running again at ${half} events/s`);
    phases.push(await runPhase(`half ${half}/s`, half, E));
  }
  const main = phases[mainIndex]!;
  const plainPhase = plainSetup ? phases[0] : undefined;
  /** What ordering / limiting cost: the main run's deliveries/s beside the plain run's. */
  const comparison = controlled
    ? {
        deliveriesPerSecond: main.deliveries.perSecond,
        plainDeliveriesPerSecond: plainPhase?.deliveries.perSecond ?? null,
        ratio: plainPhase ? round(main.deliveries.perSecond / plainPhase.deliveries.perSecond, 3) : null,
        note: plainPhase
          ? `plain run: the same shape on webhooks without ordering or limit, just before, in this invocation`
          : 'no plain run here: add --compare-plain, or run the same command without --ordering-keys / --rate-limit',
      }
    : undefined;

  // Temporal history events per delivery: sampled deliveries, plus their dispatch divided over W.
  const sample = Math.min(args['history-sample'], main.eventIds.length);
  const deliverEvents: number[] = [];
  const dispatchEvents: number[] = [];
  for (let k = 0; k < sample; k++) {
    const eventId = main.eventIds[Math.floor((k * main.eventIds.length) / sample)]!;
    const webhookId = webhookIds[k % W]!;
    deliverEvents.push(await historyLength(client, `delivery:${eventId}:${webhookId}`));
    dispatchEvents.push(await historyLength(client, `dispatch:${account.id}:${eventId}`));
  }
  const noopHistory = noopCount > 0 ? await historyLength(client, `noop-${runId}-0`) : 0;
  const mean = (xs: number[]) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN);
  const history = {
    sampledDeliveries: sample,
    deliverWorkflow: round(mean(deliverEvents), 2),
    dispatchWorkflow: round(mean(dispatchEvents), 2),
    perDelivery: round(mean(deliverEvents) + mean(dispatchEvents) / W, 2),
    noopWorkflow: noopHistory,
    /** One sampled history of each, by event type. */
    examples: main.eventIds[0]
      ? {
          deliverWebhook: await historyTypes(client, `delivery:${main.eventIds[0]}:${webhookIds[0]}`),
          dispatchEvent: await historyTypes(client, `dispatch:${account.id}:${main.eventIds[0]}`),
          noopWorkflow: noopCount > 0 ? await historyTypes(client, `noop-${runId}-0`) : [],
        }
      : undefined,
  };

  // Where the Switchyard process's memory is, from its own /metrics (main thread only).
  const heap = await scrapeMemory(api);

  // Baseline (a) last: it does not touch Switchyard or Temporal.
  let direct: RateResult | undefined;
  if (directCount > 0) {
    const bar = new Progress('direct   ', directCount, () => receiver.direct).start();
    direct = await directBaseline(receiver.url, directCount, C);
    bar.stop();
  }

  rss.sample();
  await connection.close();
  await sw.stop();
  rss.stop();
  if (temporalPid && pidFromFile(join(dataDir, 'temporal-dev-server.pid')) === temporalPid) {
    log('bench: the Temporal dev server outlived Switchyard; killing it');
    process.kill(temporalPid, 'SIGKILL');
  }

  const profile = args.profile ? profileReport(profileDir, main) : undefined;

  const memory = Object.fromEntries(Object.entries(rss.report()).map(([k, v]) => [k, mib(v)]));
  const memoryUnderLoad = Object.fromEntries([...rss.windowPeak].map(([k, v]) => [k, mib(v)]));
  const result = {
    runId,
    label: args.label || undefined,
    command: `npm run bench -- ${process.argv.slice(2).join(' ')}`.trim(),
    at: new Date().toISOString(),
    machine: {
      nproc: cpus().length,
      cpu: cpus()[0]?.model,
      memoryMiB: mib(totalmem()),
      freeMiB: mib(freemem()),
      node: process.version,
      loadavg: loadavg().map((l) => round(l, 2)),
    },
    setup: {
      webhooks: W,
      events: E,
      concurrency: C,
      failRate: args['fail-rate'],
      fault: args['fail-rate'] ? args.fault : undefined,
      countdownSeconds: args.countdown,
      orderingKeys: K || undefined,
      rateLimit: rateLimit ? args['rate-limit'] : undefined,
      rateSlackMs: rateLimit ? args['rate-slack-ms'] : undefined,
      unlimitedWebhooks: M || undefined,
      comparePlain: plainSetup ? true : undefined,
      database: external.database ? 'PostgreSQL (DATABASE_URL)' : 'PGlite (embedded)',
      temporal: external.temporal ? `external ${temporalAddress}` : 'embedded dev server (SQLite file)',
    },
    phases: phases.map(({ latencies: _l, eventIds: _e, ...rest }) => rest),
    history,
    baselines: {
      temporalNoop: noop && {
        workflows: noop.count,
        unfinished: noop.unfinished,
        perSecond: round(noop.perSecond),
        seconds: round(noop.seconds, 2),
        cpu: noopCpu,
      },
      direct: direct && {
        requests: direct.count,
        failed: direct.unfinished,
        perSecond: round(direct.perSecond),
        seconds: round(direct.seconds, 2),
      },
    },
    comparison,
    ratios: {
      deliveriesVsNoop: noop ? round(main.deliveries.perSecond / noop.perSecond, 3) : null,
      deliveriesVsDirect: direct ? round(main.deliveries.perSecond / direct.perSecond, 4) : null,
    },
    /** VmHWM over each process's life, start-up included (a fresh PGlite runs initdb). */
    peakRssMiB: memory,
    /** Highest VmRSS sampled from the end of the warm-up to the end of the run. */
    peakRssUnderLoadMiB: memoryUnderLoad,
    /** The Switchyard process's main-thread V8 heap and external memory at the end of the run. */
    switchyardMemoryMiB: heap,
    /** With --profile: self time of the first phase's window by bucket and function (ms per delivery). */
    profile,
  };

  const stem = args.json ? resolve(args.json).replace(/\.json$/, '') : join(resultsDir, `bench-${runId}`);
  mkdirSync(resolve(stem, '..'), { recursive: true });
  writeFileSync(`${stem}.json`, `${JSON.stringify(result, null, 2)}\n`);
  const lat = main.latencyMs;
  writeFileSync(
    `${stem}.svg`,
    renderChart({
      title: `Switchyard: ${E} events × ${W} webhooks${M ? ` + ${M} unlimited` : ''}, concurrency ${C}${args['fail-rate'] ? `, fail rate ${args['fail-rate']}` : ''}${main.rate ? `, ${main.rate} events/s` : ''}${K ? `, ${K} ordering keys` : ''}${rateLimit ? `, rate limit ${args['rate-limit']}` : ''}`,
      subtitle: `${main.deliveries.perSecond} deliveries/s end to end · Temporal no-op ceiling ${noop ? round(noop.perSecond) : 'n/a'}/s · p99 ${lat.p99} ms · ${result.machine.nproc} cores, ${result.at}`,
      series: [
        { label: 'events accepted / s', color: '#8e44ad', perSecond: main.perSecond.accepted },
        { label: 'deliveries completed / s', color: '#27ae60', perSecond: main.perSecond.delivered },
      ],
      references: noop
        ? [
            {
              label: `Temporal no-op ceiling ${round(noop.perSecond)}/s`,
              color: '#c0392b',
              value: noop.perSecond,
            },
          ]
        : [],
      latenciesMs: main.latencies,
      marks: [
        { label: `p50 ${lat.p50} ms`, value: lat.p50 },
        { label: `p95 ${lat.p95} ms`, value: lat.p95 },
        { label: `p99 ${lat.p99} ms`, value: lat.p99 },
      ],
    }),
  );

  const out: string[] = ['', `Switchyard bench ${runId}  (${result.command})`];
  out.push(
    `  machine        ${result.machine.nproc} cores, ${result.machine.memoryMiB} MiB, node ${result.machine.node}, load ${result.machine.loadavg.join(' ')}`,
  );
  out.push(`  stack          ${result.setup.database}; ${result.setup.temporal}`);
  for (const p of phases) {
    const l = p.latencyMs;
    out.push(`  [${p.label}]`);
    out.push(
      `    events       ${p.events.accepted}/${p.events.posted} accepted, ${p.events.perSecond}/s accepted`,
    );
    out.push(
      `    deliveries   ${p.deliveries.delivered}/${p.deliveries.expected} in ${p.deliveries.seconds} s = ${p.deliveries.perSecond}/s end to end (${p.deliveries.outcome})`,
    );
    out.push(
      `    latency ms   p50 ${l.p50}  p95 ${l.p95}  p99 ${l.p99}  max ${l.max}  (POST start → receiver)`,
    );
    out.push(
      `    attempts     ${p.deliveries.attemptsPerDelivery} per delivery (${p.deliveries.injectedFaults} injected faults); at most ${p.deliveries.maxInFlight} requests in flight at the receiver`,
    );
    out.push(
      `    cpu          ${Object.entries(p.cpu.msPerItem)
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )} ms per delivery; others ${p.cpu.otherProcessesSeconds} s, iowait ${p.cpu.iowaitSeconds} s, machine ${Math.round(p.cpu.machineBusyShare * 100)}% busy`,
    );
    out.push(
      `    correctness  lost ${p.deliveries.lost}, duplicates ${p.deliveries.duplicates}${p.deliveries.lost === 0 ? '' : '  ← LOST DELIVERIES'}`,
    );
    if (p.controls) out.push(...controlLines(p.controls));
  }
  if (comparison)
    out.push(
      comparison.ratio === null
        ? `  cost           ${main.deliveries.perSecond} deliveries/s ${what}; ${comparison.note}`
        : `  cost           ${main.deliveries.perSecond} deliveries/s ${what} vs ${comparison.plainDeliveriesPerSecond}/s plain = × ${comparison.ratio} (same invocation)`,
    );
  out.push(
    `  history        ${history.perDelivery} Temporal events per delivery (deliverWebhook ${history.deliverWorkflow} + dispatchEvent ${history.dispatchWorkflow} / ${W}; noopWorkflow ${history.noopWorkflow})`,
  );
  if (noop)
    out.push(
      `  baseline (b)   Temporal no-op ceiling: ${round(noop.perSecond)} workflows/s (${noop.count} in ${round(noop.seconds, 2)} s${noop.unfinished ? `, ${noop.unfinished} unfinished` : ''})`,
      `    cpu          ${Object.entries(noopCpu?.msPerItem ?? {})
        .map(([k, v]) => `${k} ${v}`)
        .join(
          ', ',
        )} ms per workflow; others ${noopCpu?.otherProcessesSeconds} s, iowait ${noopCpu?.iowaitSeconds} s, machine ${Math.round((noopCpu?.machineBusyShare ?? 0) * 100)}% busy`,
    );
  if (direct)
    out.push(
      `  baseline (a)   receiver driven by undici: ${round(direct.perSecond)} requests/s (${direct.count} in ${round(direct.seconds, 2)} s)`,
    );
  out.push(
    `  ratios         deliveries/s = ${result.ratios.deliveriesVsNoop ?? 'n/a'} × Temporal ceiling, ${result.ratios.deliveriesVsDirect ?? 'n/a'} × direct`,
  );
  out.push(
    `  peak RSS MiB   ${Object.entries(memory)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  out.push(
    `  RSS under load ${Object.entries(memoryUnderLoad)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} MiB (peak VmRSS after the warm-up)`,
  );
  out.push(
    `  switchyard mem ${Object.entries(heap)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} MiB (main thread, from /metrics at the end)`,
  );
  if (profile) out.push(...profileLines(profile));
  out.push(`  written        ${stem}.json, ${stem}.svg`, '');
  process.stdout.write(out.join('\n'));
  return phases.some((p) => p.deliveries.lost > 0 || (p.controls?.failures ?? 0) > 0) ? 1 : 0;
}

/** process.hrtime in µs: on Linux the clock of V8's profile timestamps (CLOCK_MONOTONIC). */
function monotonicUs(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

interface ProfileReport {
  dir: string;
  phase: string;
  deliveries: number;
  /** CPU ms per delivery of the process (from /proc) and of its threads, by thread name. */
  processCpuMsPerDelivery: number;
  threadCpuMsPerDelivery: Record<string, number>;
  /** Sampled non-idle JS-thread time per delivery; the rest of the process CPU is native threads. */
  profiledBusyMsPerDelivery: number;
  threads: Array<{ file: string; threadId: number; busyMsPerDelivery: number; idleShare: number }>;
  /** CPU ms per delivery: JS buckets scaled to their threads' CPU, plus the native threads; share of the process. */
  buckets: Array<{ bucket: string; msPerDelivery: number; share: number }>;
  /** Unscaled sampled self time (wall clock on stack), idle included. */
  rawBuckets: Array<{ bucket: string; msPerDelivery: number; share: number }>;
  /** By self time, scaled to CPU like the buckets. */
  topFunctions: Array<{
    functionName: string;
    url: string;
    line: number;
    bucket: string;
    msPerDelivery: number;
  }>;
  error?: string;
}

/**
 * Summarises the CPU profiles (every JS thread of the Switchyard process) over the phase's window.
 * V8 samples by wall clock, so a thread that is runnable but waiting for a core (a busy machine)
 * still collects samples: each JS thread's buckets are scaled to the CPU /proc says it used (the
 * main thread to `main`, the worker threads together to the threads named `node`), and the
 * process's other threads (Temporal's Rust core, V8's GC helpers, the profiler) are added from
 * /proc, so the rows add up to the process's CPU.
 */
function profileReport(dir: string, phase: PhaseResult): ProfileReport {
  const n = Math.max(1, phase.deliveries.delivered);
  const per = (ms: number) => round(ms / n, 3);
  const processMs = (phase.cpu.processSeconds.switchyard ?? NaN) * 1000;
  const threadMs = Object.fromEntries(Object.entries(phase.threadCpuSeconds).map(([k, v]) => [k, v * 1000]));
  let threads: ThreadProfile[] = [];
  let error: string | undefined;
  try {
    threads = summarizeProfileDir(dir, { fromUs: phase.window.fromUs, toUs: phase.window.toUs });
  } catch (err) {
    error = (err as Error).message;
  }
  const mainThreads = threads.filter((t) => t.threadId === 0).map((t) => t.summary);
  const workerThreads = threads.filter((t) => t.threadId !== 0).map((t) => t.summary);
  const raw = mergeSummaries([...mainThreads, ...workerThreads], 15);
  const mainRaw = mergeSummaries(mainThreads, 200);
  const workerRaw = mergeSummaries(workerThreads, 200);
  const scaled = mergeSummaries(
    [
      scaleSummary(mainRaw, (threadMs.main ?? 0) / mainRaw.busyMs),
      scaleSummary(workerRaw, (threadMs.node ?? 0) / workerRaw.busyMs),
    ],
    15,
  );
  const native: Record<string, number> = {};
  for (const [name, ms] of Object.entries(threadMs)) {
    if (name === 'main' || name === 'node') continue;
    const kind = nativeThreadKind(name);
    native[kind] = (native[kind] ?? 0) + ms;
  }
  const rows = [
    ...bucketRows(scaled, n)
      .filter((r) => r.bucket !== 'idle')
      .map((r) => ({ bucket: r.bucket as string, ms: r.msPerItem })),
    ...Object.entries(native).map(([bucket, ms]) => ({ bucket, ms: ms / n })),
  ].sort((a, b) => b.ms - a.ms);
  const total = rows.reduce((a, r) => a + r.ms, 0);
  return {
    dir,
    phase: phase.label,
    deliveries: phase.deliveries.delivered,
    processCpuMsPerDelivery: per(processMs),
    threadCpuMsPerDelivery: Object.fromEntries(Object.entries(threadMs).map(([k, v]) => [k, per(v)])),
    profiledBusyMsPerDelivery: per(raw.busyMs),
    threads: threads.map((t) => ({
      file: t.file,
      threadId: t.threadId,
      busyMsPerDelivery: per(t.summary.busyMs),
      idleShare: round(t.summary.buckets.idle / Math.max(1e-9, t.summary.wallMs), 3),
    })),
    buckets: rows.map((r) => ({
      bucket: r.bucket,
      msPerDelivery: round(r.ms, 3),
      share: round(r.ms / Math.max(1e-9, total), 3),
    })),
    rawBuckets: bucketRows(raw, n).map((r) => ({
      bucket: r.bucket,
      msPerDelivery: round(r.msPerItem, 3),
      share: round(r.share, 3),
    })),
    topFunctions: scaled.topFunctions.map((f) => ({
      functionName: f.functionName,
      url: f.url,
      line: f.line,
      bucket: f.bucket,
      msPerDelivery: per(f.ms),
    })),
    error,
  };
}

function profileLines(p: ProfileReport): string[] {
  const out = [
    `  profile        ${p.dir} (phase ${p.phase}, ${p.deliveries} deliveries)${p.error ? ` — ${p.error}` : ''}`,
    `    process      ${p.processCpuMsPerDelivery} ms CPU per delivery; JS threads sampled busy ${p.profiledBusyMsPerDelivery} ms; by thread: ${Object.entries(
      p.threadCpuMsPerDelivery,
    )
      .filter(([, v]) => v >= 0.05)
      .sort((a, b) => b[1] - a[1])
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
    `    JS threads   ${p.threads.map((t) => `#${t.threadId} busy ${t.busyMsPerDelivery} ms (idle ${Math.round(t.idleShare * 100)}%)`).join(', ')}`,
    "    CPU by bucket, ms per delivery (JS self time scaled to each thread's CPU; native threads from /proc):",
  ];
  for (const b of p.buckets)
    out.push(
      `      ${b.bucket.padEnd(40)} ${b.msPerDelivery.toFixed(3).padStart(8)}  ${(b.share * 100).toFixed(1).padStart(5)}%`,
    );
  out.push('    top self-time functions, ms per delivery:');
  for (const f of p.topFunctions)
    out.push(
      `      ${f.msPerDelivery.toFixed(3).padStart(7)}  ${f.functionName} ${f.url}${f.line > 0 ? `:${f.line}` : ''} [${f.bucket}]`,
    );
  return out;
}

async function scrapeMemory(api: Api): Promise<Record<string, number>> {
  try {
    const r = await api.pool.request({ method: 'GET', path: '/metrics' });
    const text = await r.body.text();
    const pick = (name: string) => {
      const m = new RegExp(`^switchyard_${name}(?:\\{[^}]*\\})? ([0-9.e+]+)$`, 'm').exec(text);
      return m ? mib(Number(m[1])) : NaN;
    };
    return {
      residentAtEnd: pick('process_resident_memory_bytes'),
      heapTotal: pick('nodejs_heap_size_total_bytes'),
      heapUsed: pick('nodejs_heap_size_used_bytes'),
      external: pick('nodejs_external_memory_bytes'),
    };
  } catch {
    return {};
  }
}

function roundAll<T extends object>(o: T): T {
  return Object.fromEntries(
    Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v, 1) : v]),
  ) as T;
}

await runMain('bench', main);
