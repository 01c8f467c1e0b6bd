// `npm run drill [-- --small]`: failure drills, each ending in a verdict line.
//
// The API and the worker run as separate processes (`npm run start:api` / `start:worker`) over a
// fresh PostgreSQL database (created and dropped here) and a Temporal dev server started here on
// a SQLite file. Each drill posts events to a few webhooks while something goes wrong — the
// worker is killed with SIGKILL and restarted, the Temporal server is stopped and restarted, or
// the receiver answers 500s, hangs past the timeout, resets connections or answers slowly — and
// then counts: accepted events, expected deliveries, delivered, lost (must be 0) and duplicates.
// Exits non-zero if any drill loses a delivery.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { startDevServer, type DevServer } from '../src/temporal/devServer';
import { Api, postEvents, type PostResult } from './lib/api';
import { parseArgs } from './lib/args';
import { freePort, sleep, waitUntil } from './lib/net';
import {
  REPO_ROOT,
  RssSampler,
  SwitchyardProcess,
  installExitHandlers,
  killOnExit,
  onCleanup,
  runMain,
} from './lib/procs';
import { Progress } from './lib/progress';
import { BenchReceiver, type ReceiverOptions } from './lib/receiver';
import { restartPostgres, type DrillContext, type Disruption } from './lib/pgRestart';
import { mib, round } from './lib/stats';

const DRILLS = [
  'worker-kill',
  'temporal-restart',
  'pg-restart',
  'receiver-500',
  'receiver-hang',
  'receiver-reset',
  'receiver-slow',
];

const args = parseArgs('npm run drill --', {
  small: { type: 'boolean', help: 'the CI size: every drill, small, in a few minutes' },
  only: { type: 'string', default: '', help: `comma-separated drills to run (${DRILLS.join(', ')})` },
  webhooks: { type: 'number', default: 0, help: 'webhooks per drill (default 3 small, 5 full)' },
  events: { type: 'number', default: 0, help: 'events per drill (default 40 small, 200 full)' },
  rate: { type: 'number', default: 0, help: 'events per second while posting (default 10 small, 20 full)' },
  json: { type: 'string', default: '', help: 'JSON result path (default bench-results/drill-<time>.json)' },
  'pg-url': {
    type: 'string',
    default:
      process.env.SWITCHYARD_TEST_PG_URL ??
      process.env.DATABASE_URL ??
      'postgres://postgres@127.0.0.1:5432/postgres',
    help: 'PostgreSQL server (any existing database on it; default SWITCHYARD_TEST_PG_URL or DATABASE_URL) where the drill creates and drops its database',
  },
  keep: { type: 'boolean', help: 'keep the temporary dir (Temporal SQLite file, process logs)' },
});

const SMALL = args.small;
const W = Math.floor(args.webhooks || (SMALL ? 3 : 5));
const E = Math.floor(args.events || (SMALL ? 40 : 200));
const RATE = args.rate || (SMALL ? 10 : 20);
const only = args.only
  ? args.only
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
  : DRILLS;
for (const name of only) {
  if (!DRILLS.includes(name)) {
    process.stderr.write(`drill: unknown drill ${name}; known: ${DRILLS.join(', ')}\n`);
    process.exit(2);
  }
}
const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
const log = (s: string) => process.stderr.write(`${s}\n`);

interface Stack {
  api: Api;
  adminKey: string;
  apiProc: SwitchyardProcess;
  worker: SwitchyardProcess;
  dev: DevServer;
  startWorker(): Promise<SwitchyardProcess>;
  restartDevServer(): Promise<DevServer>;
  pgUrl: string;
  rss: RssSampler;
}

interface Verdict {
  drill: string;
  accepted: number;
  refusedFinally: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  /** Deliveries of events whose POST was never accepted (an ambiguous failure): not lost, not expected. */
  unexpected: number;
  requests: number;
  injectedFaults: number;
  /** The most requests the receiver was handling at once. */
  maxInFlight: number;
  database: Record<string, number>;
  seconds: number;
  outcome: string;
  note: string;
  /** Figures of the outage a disruption caused (pg-restart: answers while down, time to resume). */
  outage?: Record<string, unknown>;
  /** Broken promises other than a lost delivery (pg-restart: a 500 instead of a 503 while down). */
  problems: string[];
  pass: boolean;
}

async function setup(dir: string): Promise<Stack> {
  // A database of our own on the PostgreSQL server, dropped at the end.
  const dbName = `switchyard_drill_${randomBytes(5).toString('hex')}`;
  const admin = async (sql: string) => {
    const c = new pg.Client({ connectionString: args['pg-url'], connectionTimeoutMillis: 5000 });
    await c.connect();
    try {
      await c.query(sql);
    } finally {
      await c.end();
    }
  };
  await admin(`create database ${dbName}`);
  onCleanup(() => admin(`drop database if exists ${dbName} with (force)`));
  const pgUrl = new URL(args['pg-url']);
  pgUrl.pathname = `/${dbName}`;

  // The Temporal dev server, on a SQLite file that survives its restarts.
  const temporalPort = await freePort();
  const devOpts = {
    port: temporalPort,
    uiPort: null,
    namespace: 'default',
    dbFile: join(dir, 'temporal.sqlite'),
    stateDir: join(dir, 'temporal-state'),
  };
  const stack = {} as Stack;
  stack.dev = await startDevServer(devOpts);
  killOnExit(stack.dev.process);
  onCleanup(() => stack.dev.stop());
  stack.restartDevServer = async () => {
    await stack.dev.stop();
    stack.dev = await startDevServer(devOpts);
    killOnExit(stack.dev.process);
    return stack.dev;
  };

  const port = await freePort();
  stack.adminKey = `sya_drill_${randomBytes(16).toString('hex')}`;
  const env = (role: string) => ({
    ...process.env,
    DATABASE_URL: pgUrl.toString(),
    TEMPORAL_ADDRESS: stack.dev.address,
    PORT: String(port),
    HOST: '127.0.0.1',
    SWITCHYARD_DATA_DIR: join(dir, role),
    SWITCHYARD_ADMIN_KEY: stack.adminKey,
    // API and worker must share it: the API seals webhook secrets, the worker opens them.
    SWITCHYARD_SECRET_KEY: `drill-secret-${runId}`,
    SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
    LOG_LEVEL: 'warn',
  });
  let workers = 0;
  stack.startWorker = async () => {
    const w = new SwitchyardProcess({
      name: 'worker',
      script: 'start:worker',
      env: env('worker'),
      logFile: join(dir, `worker-${++workers}.log`),
    });
    stack.worker = w;
    await w.ready();
    return w;
  };
  stack.apiProc = new SwitchyardProcess({
    name: 'api',
    script: 'start:api',
    env: env('api'),
    logFile: join(dir, 'api.log'),
  });
  onCleanup(() => stack.apiProc.stop());
  onCleanup(() => stack.worker?.stop() ?? Promise.resolve());
  // One after the other: two processes migrating a fresh database at once can collide on knex's
  // migration lock table.
  await stack.apiProc.ready();
  stack.api = new Api(`http://127.0.0.1:${port}`, 16);
  onCleanup(() => stack.api.close());
  await stack.api.waitReady(120_000, () => stack.apiProc.alive);
  await stack.startWorker();
  stack.pgUrl = pgUrl.toString();
  stack.rss = new RssSampler();
  stack.rss.track('api', () => (stack.apiProc.alive ? stack.apiProc.pid : undefined));
  stack.rss.track('worker', () => (stack.worker.alive ? stack.worker.pid : undefined));
  stack.rss.track('temporal', () => stack.dev.process.pid);
  stack.rss.start();
  return stack;
}

interface DrillSpec {
  name: string;
  receiver: Partial<ReceiverOptions>;
  /** The webhooks' per-attempt timeout. */
  timeout: string;
  /** Something going wrong once `triggerAt` of the expected deliveries have arrived. */
  disrupt?: (stack: Stack, at: string, ctx: DrillContext) => Promise<string | Disruption>;
  triggerAt?: number;
}

async function dbStatuses(pgUrl: string, accountId: string): Promise<Record<string, number>> {
  const c = new pg.Client({ connectionString: pgUrl });
  await c.connect();
  try {
    const r = await c.query<{ status: string; n: string }>(
      'select status, count(*) as n from deliveries where account_id = $1 group by status',
      [accountId],
    );
    return Object.fromEntries(r.rows.map((row) => [row.status, Number(row.n)]));
  } finally {
    await c.end();
  }
}

async function runDrill(
  stack: Stack,
  spec: DrillSpec,
  index: number,
  showProgress: boolean,
): Promise<Verdict> {
  const receiver = await BenchReceiver.start(spec.receiver);
  try {
    const account = await stack.api.createAccount(stack.adminKey, `drill ${spec.name}`);
    await stack.api.createWebhooks(account.key, W, {
      receiverUrl: receiver.url,
      eventType: 'package.created',
      countdownSeconds: 1,
      maxAttempts: 30,
      timeout: spec.timeout,
      secretKey: `whsec_${randomBytes(24).toString('base64')}`,
      firstIndex: index * 1000,
    });
    const ids = Array.from({ length: E }, (_, i) => `evt-drill-${runId}-${spec.name}-${i}`);
    const posts = new Map<string, PostResult>();
    const answers = new Map<number, number>();
    let accepted = 0;
    let postingDone = false;
    const started = performance.now();
    const bar = showProgress
      ? new Progress(
          spec.name.padEnd(16),
          E * W,
          () => receiver.delivered.size,
          () => `events ${accepted}/${E}`,
        ).start()
      : undefined;
    const posting = postEvents(stack.api, {
      key: account.key,
      ids,
      type: 'package.created',
      concurrency: 4,
      rate: RATE,
      // A producer retries a refused POST with the same id (ingestion is idempotent).
      retries: 40,
      deadlineMs: 180_000,
      onAnswer: (status) => answers.set(status, (answers.get(status) ?? 0) + 1),
      onDone: (r) => {
        posts.set(r.id, r);
        if (r.accepted) accepted++;
      },
    }).finally(() => {
      postingDone = true;
    });

    let disruption: Disruption = { note: '' };
    if (spec.disrupt) {
      const target = Math.max(1, Math.floor((spec.triggerAt ?? 0.3) * E * W));
      await waitUntil(() => receiver.delivered.size >= target || postingDone, {
        deadlineMs: 120_000,
        stallMs: 60_000,
        progress: () => receiver.delivered.size + accepted,
      });
      const d = await spec.disrupt(stack, `${receiver.delivered.size}/${E * W} delivered`, {
        accountKey: account.key,
        delivered: () => receiver.delivered.size,
        answers,
      });
      disruption = typeof d === 'string' ? { note: d } : d;
    }
    await posting;
    const acceptedIds = new Set([...posts.values()].filter((p) => p.accepted).map((p) => p.id));
    const deliveredAccepted = () => {
      let n = 0;
      for (const key of receiver.delivered.keys()) if (acceptedIds.has(key.split(' ')[0]!)) n++;
      return n;
    };
    const expected = acceptedIds.size * W;
    const outcome = await waitUntil(() => deliveredAccepted() >= expected, {
      deadlineMs: (SMALL ? 120 : 400) * 1000,
      stallMs: 75_000,
      progress: () => receiver.delivered.size,
      everyMs: 200,
    });
    await sleep(1500); // late duplicates
    bar?.stop();
    const delivered = deliveredAccepted();
    const database = await dbStatuses(stack.pgUrl, account.id);
    const lost = expected - delivered;
    const problems = disruption.problems ?? [];
    return {
      drill: spec.name,
      accepted: acceptedIds.size,
      refusedFinally: posts.size - acceptedIds.size,
      expected,
      delivered,
      lost,
      duplicates: receiver.duplicates,
      unexpected: receiver.delivered.size - delivered,
      requests: receiver.requests,
      injectedFaults: receiver.injectedFaults,
      maxInFlight: receiver.maxInFlight,
      database,
      seconds: round((performance.now() - started) / 1000, 1),
      outcome,
      note: disruption.note,
      ...(disruption.outage ? { outage: disruption.outage } : {}),
      problems,
      pass: lost === 0 && acceptedIds.size > 0 && problems.length === 0,
    };
  } finally {
    await receiver.close();
  }
}

const SPECS: Record<string, DrillSpec> = {
  'worker-kill': {
    name: 'worker-kill',
    receiver: {},
    timeout: '10s',
    triggerAt: 0.3,
    async disrupt(stack, at) {
      const t0 = performance.now();
      stack.worker.kill9();
      await stack.worker.exited;
      await sleep(1000);
      await stack.startWorker();
      return `worker killed with SIGKILL at ${at}; a new worker polled ${round((performance.now() - t0) / 1000, 1)} s later`;
    },
  },
  'temporal-restart': {
    name: 'temporal-restart',
    receiver: {},
    timeout: '10s',
    triggerAt: 0.3,
    async disrupt(stack, at) {
      const t0 = performance.now();
      await stack.dev.stop();
      const down = performance.now();
      await sleep(2000);
      await stack.restartDevServer();
      return `Temporal dev server stopped at ${at} (SQLite file kept), down ${round((performance.now() - down) / 1000, 1)} s, serving again ${round((performance.now() - t0) / 1000, 1)} s after the stop`;
    },
  },
  'pg-restart': {
    name: 'pg-restart',
    receiver: {},
    timeout: '10s',
    triggerAt: 0.3,
    disrupt: (stack, at, ctx) => restartPostgres(stack.api, stack.pgUrl, at, ctx),
  },
  'receiver-500': {
    name: 'receiver-500',
    receiver: { failRate: 0.5, fault: 'status500', faultAttempts: 2 },
    timeout: '5s',
  },
  'receiver-hang': {
    name: 'receiver-hang',
    receiver: { failRate: 0.3, fault: 'hang', faultAttempts: 1, hangMs: 2500 },
    timeout: '1s',
  },
  'receiver-reset': {
    name: 'receiver-reset',
    receiver: { failRate: 0.5, fault: 'reset', faultAttempts: 1 },
    timeout: '5s',
  },
  'receiver-slow': {
    name: 'receiver-slow',
    receiver: { failRate: 1, fault: 'slow', slowMs: [200, 800] },
    timeout: '10s',
  },
};

function verdictLine(v: Verdict): string {
  const db = Object.entries(v.database)
    .map(([k, n]) => `${k} ${n}`)
    .join(', ');
  return (
    `drill ${v.drill.padEnd(16)} accepted ${v.accepted} events, expected ${v.expected} deliveries, ` +
    `delivered ${v.delivered}, lost ${v.lost}, duplicates ${v.duplicates}  ${v.pass ? 'PASS' : 'FAIL'}\n` +
    `      ${v.seconds} s, ${v.requests} requests (at most ${v.maxInFlight} at once), ${v.injectedFaults} injected faults; database: ${db || 'no rows'}` +
    `${v.unexpected ? `; ${v.unexpected} deliveries of events never accepted` : ''}${v.outcome === 'done' ? '' : `; stopped waiting: ${v.outcome}`}` +
    `${v.note ? `\n      ${v.note}` : ''}` +
    `${v.problems.length ? `\n      PROBLEMS: ${v.problems.join('; ')}` : ''}`
  );
}

async function main(): Promise<number> {
  installExitHandlers();
  const resultsDir = resolve(REPO_ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-drill-'));
  if (!args.keep) onCleanup(async () => rmSync(dir, { recursive: true, force: true }));
  const t0 = performance.now();
  log(`drill ${runId}: ${SMALL ? 'small' : 'full'} size, ${E} events × ${W} webhooks per drill (${dir})`);
  const stack = await setup(dir);
  log(`drill: API, worker and Temporal ready after ${round((performance.now() - t0) / 1000, 1)} s`);

  const verdicts: Verdict[] = [];
  const report = (v: Verdict) => {
    verdicts.push(v);
    process.stdout.write(`${verdictLine(v)}\n`);
  };
  // Drills that disturb the whole stack run one at a time; the receiver drills share nothing but
  // the stack, so they run together.
  const sequential = only.filter((n) => !n.startsWith('receiver-'));
  const parallel = only.filter((n) => n.startsWith('receiver-'));
  for (const name of sequential) report(await runDrill(stack, SPECS[name]!, DRILLS.indexOf(name), true));
  if (parallel.length) {
    log(`drill: ${parallel.join(', ')} together…`);
    const results = await Promise.all(
      parallel.map((name) => runDrill(stack, SPECS[name]!, DRILLS.indexOf(name), false)),
    );
    results.forEach(report);
  }

  stack.rss.stop();
  const memory = Object.fromEntries(Object.entries(stack.rss.report()).map(([k, v]) => [k, mib(v)]));
  const failed = verdicts.filter((v) => !v.pass);
  const result = {
    runId,
    command: `npm run drill -- ${process.argv.slice(2).join(' ')}`.trim(),
    at: new Date().toISOString(),
    machine: { nproc: cpus().length, memoryMiB: mib(totalmem()), node: process.version, loadavg: loadavg() },
    size: { small: SMALL, webhooks: W, events: E, rate: RATE },
    seconds: round((performance.now() - t0) / 1000, 1),
    verdicts,
    peakRssMiB: memory,
    pass: failed.length === 0,
  };
  const path = args.json ? resolve(args.json) : join(resultsDir, `drill-${runId}.json`);
  mkdirSync(resolve(path, '..'), { recursive: true });
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(
    `\n${failed.length === 0 ? 'ALL DRILLS PASSED' : `${failed.length} DRILL(S) FAILED: ${failed.map((v) => v.drill).join(', ')}`}` +
      ` in ${result.seconds} s; lost ${verdicts.reduce((a, v) => a + v.lost, 0)}, duplicates ${verdicts.reduce((a, v) => a + v.duplicates, 0)}` +
      `; peak RSS MiB ${Object.entries(memory)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')}\n  written ${path}\n`,
  );
  return failed.length === 0 ? 0 : 1;
}

await runMain('drill', main);
