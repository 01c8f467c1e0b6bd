// `npm run bench:cost [-- --events N --webhooks 1,10 --json out.json]`
//
// What one delivery costs Temporal, counted from real histories: starts Switchyard all-in-one (as
// the bench does) against its own Temporal dev server (started here with --metrics-port, so the
// server's own counters can be read), and for each scenario (a first-attempt success, a delivery
// retried once: 500 then 200, a delayed delivery) and each W (webhooks per event) creates W
// webhooks, posts N events, waits for the deliveries, and fetches every workflow's history:
// events by type, Temporal Cloud billable actions (bench/lib/temporalActions.ts), and the server's
// counters over the scenario. Prints a table; writes JSON to bench-results/.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { devServerArgs, devServerEnvironment } from '../src/temporal/devServer';
import { temporalCliPath } from '../src/temporal/binaries';
import { Api, postEvents } from './lib/api';
import { parseArgs } from './lib/args';
import { connectTemporal } from './lib/baselines';
import { freePort, sleep, waitUntil } from './lib/net';
import {
  REPO_ROOT,
  SwitchyardProcess,
  installExitHandlers,
  killOnExit,
  onCleanup,
  runMain,
} from './lib/procs';
import { BenchReceiver } from './lib/receiver';
import { round } from './lib/stats';
import { countActions, countEventTypes } from './lib/temporalActions';

const args = parseArgs('npm run bench:cost --', {
  events: { type: 'number', default: 5, help: 'events posted per scenario and W' },
  webhooks: { type: 'string', default: '1,10', help: 'comma-separated W values (webhooks per event)' },
  delay: { type: 'string', default: '2s', help: "the delayed scenario's webhook delay" },
  json: { type: 'string', default: '', help: 'JSON result path (default bench-results/cost-<time>.json)' },
  keep: { type: 'boolean', help: 'keep the temporary data dir' },
});

const log = (s: string) => process.stderr.write(`${s}\n`);
const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;

interface Scenario {
  name: string;
  receiver: BenchReceiver;
  delay?: string;
  expectedAttempts: number;
}

/** Prometheus text → sample value by `name{labels}`. */
export function parseMetrics(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?)\s+(\S+)/.exec(line);
    if (m) out.set(m[1]!, Number(m[2]));
  }
  return out;
}

const label = (key: string, name: string) => new RegExp(`[{,]${name}="([^"]*)"`).exec(key)?.[1] ?? '';
const metricName = (key: string) => key.replace(/\{.*$/, '');

async function scrape(url: string): Promise<Map<string, number>> {
  const r = await fetch(url);
  return parseMetrics(await r.text());
}

/**
 * Persistence operations that run on a clock (cluster metadata, namespaces, membership, task
 * queue leases) rather than per workflow: left out of the per-delivery figure.
 */
const BACKGROUND_PERSISTENCE =
  /^(GetCurrentClusterMetadata|GetClusterMetadata|ListClusterMetadata|GetNamespace|ListNamespaces|GetMetadata|GetClusterMembers|UpsertClusterMembership|PruneClusterMembership|GetTaskQueue|CreateTaskQueue|UpdateTaskQueue|ListTaskQueue|GetTaskQueueUserData|UpdateTaskQueueUserData|ListTaskQueueUserDataEntries)$/;

/** Long polls and our own reads are not the deliveries' cost. */
const NOT_DELIVERY_OPERATIONS =
  /^(Poll|GetWorkflowExecutionHistory|DescribeWorkflowExecution|GetSystemInfo|DescribeNamespace|ListWorkflowExecutions|CountWorkflowExecutions|GetClusterInfo|GetSearchAttributes|ListNamespaces)/;

/** Server counters that moved during a scenario, summarised. */
function serverFigures(before: Map<string, number>, after: Map<string, number>) {
  const delta = new Map<string, number>();
  for (const [k, v] of after) {
    const d = v - (before.get(k) ?? 0);
    if (d > 0) delta.set(k, d);
  }
  const sum = (pred: (k: string) => boolean) =>
    [...delta].filter(([k]) => pred(k)).reduce((a, [, v]) => a + v, 0);
  const by = (name: string, labelName: string, keep: (l: string) => boolean = () => true) => {
    const out: Record<string, number> = {};
    for (const [k, v] of delta) {
      if (metricName(k) !== name) continue;
      const l = label(k, labelName);
      if (keep(l)) out[l] = (out[l] ?? 0) + v;
    }
    return out;
  };
  // In the dev server all services share one endpoint: the frontend's requests carry service_name="frontend".
  const frontendOps: Record<string, number> = {};
  for (const [k, v] of delta) {
    if (metricName(k) !== 'service_requests' || label(k, 'service_name') !== 'frontend') continue;
    const op = label(k, 'operation');
    if (!NOT_DELIVERY_OPERATIONS.test(op)) frontendOps[op] = (frontendOps[op] ?? 0) + v;
  }
  return {
    /** The server's own billing-style `action` counter, by type (if this server emits it). */
    actions: by('action', 'action_type'),
    actionsTotal: sum((k) => metricName(k) === 'action'),
    persistenceRequests: sum(
      (k) => metricName(k) === 'persistence_requests' && !BACKGROUND_PERSISTENCE.test(label(k, 'operation')),
    ),
    /** The write transactions: CreateWorkflowExecution + UpdateWorkflowExecution. */
    persistenceWrites: sum(
      (k) =>
        metricName(k) === 'persistence_requests' &&
        /^(CreateWorkflowExecution|UpdateWorkflowExecution)$/.test(label(k, 'operation')),
    ),
    persistenceByOperation: by('persistence_requests', 'operation'),
    serviceRequestsByOperation: by('service_requests', 'operation'),
    frontendRequestsByOperation: frontendOps,
    deliveryServiceRequests: Object.values(frontendOps).reduce((a, b) => a + b, 0),
  };
}

interface HistoryCount {
  events: number;
  types: Record<string, number>;
  actions: number;
  actionsByRule: Record<string, number>;
}

async function countHistory(client: Client, workflowId: string): Promise<HistoryCount> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const a = countActions(events);
  return { events: events.length, types: countEventTypes(events), actions: a.total, actionsByRule: a.byRule };
}

const NO_WORKFLOW: HistoryCount = { events: 0, types: {}, actions: 0, actionsByRule: {} };

async function countHistoryIfAny(client: Client, workflowId: string): Promise<HistoryCount | undefined> {
  try {
    return await countHistory(client, workflowId);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || (err as { code?: number }).code === 5) return undefined;
    throw err;
  }
}

function mean(xs: HistoryCount[]): HistoryCount {
  const n = Math.max(1, xs.length);
  const types: Record<string, number> = {};
  const rules: Record<string, number> = {};
  for (const x of xs) {
    for (const [k, v] of Object.entries(x.types)) types[k] = (types[k] ?? 0) + v / n;
    for (const [k, v] of Object.entries(x.actionsByRule)) rules[k] = (rules[k] ?? 0) + v / n;
  }
  const r = (o: Record<string, number>) =>
    Object.fromEntries(Object.entries(o).map(([k, v]) => [k, round(v, 2)]));
  return {
    events: round(xs.reduce((a, x) => a + x.events, 0) / n, 2),
    types: r(types),
    actions: round(xs.reduce((a, x) => a + x.actions, 0) / n, 2),
    actionsByRule: r(rules),
  };
}

async function main(): Promise<number> {
  installExitHandlers();
  const resultsDir = resolve(REPO_ROOT, 'bench-results');
  mkdirSync(resultsDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-cost-'));
  if (!args.keep) onCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
  const Ws = args.webhooks.split(',').map((w) => Math.max(1, Math.floor(Number(w))));
  const E = Math.max(1, Math.floor(args.events));

  // Temporal: the embedded dev server's arguments, plus its Prometheus endpoint.
  const temporalPort = await freePort();
  const metricsPort = await freePort();
  const namespace = 'default';
  const temporal = spawn(
    temporalCliPath(),
    [
      ...devServerArgs({
        port: temporalPort,
        uiPort: null,
        namespace,
        dbFile: join(dataDir, 'temporal.sqlite'),
      }),
      '--metrics-port',
      String(metricsPort),
    ],
    { stdio: 'ignore', env: devServerEnvironment(process.env), detached: true },
  );
  killOnExit(temporal);
  onCleanup(async () => {
    temporal.kill('SIGTERM');
    await sleep(500);
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  const temporalAddress = `127.0.0.1:${temporalPort}`;
  let connected: Awaited<ReturnType<typeof connectTemporal>> | undefined;
  for (let i = 0; i < 120 && !connected; i++) {
    try {
      connected = await connectTemporal(temporalAddress, namespace);
    } catch {
      await sleep(500);
    }
  }
  if (!connected) throw new Error('the Temporal dev server did not start');
  const { client, connection } = connected;
  onCleanup(() => connection.close());

  const ok = await BenchReceiver.start();
  const retried = await BenchReceiver.start({ failRate: 1, fault: 'status500', faultAttempts: 1 });
  const delayed = await BenchReceiver.start();
  for (const r of [ok, retried, delayed]) onCleanup(() => r.close());
  const scenarios: Scenario[] = [
    { name: 'first-attempt success', receiver: ok, expectedAttempts: 1 },
    { name: 'retried once (500, then 200)', receiver: retried, expectedAttempts: 2 },
    {
      name: `delayed (webhook delay ${args.delay})`,
      receiver: delayed,
      delay: args.delay,
      expectedAttempts: 1,
    },
  ];

  const port = await freePort();
  const adminKey = `sya_cost_${randomBytes(16).toString('hex')}`;
  log(`bench:cost ${runId}: starting Switchyard against Temporal ${temporalAddress} (data dir ${dataDir})`);
  const sw = new SwitchyardProcess({
    name: 'switchyard',
    script: 'start',
    logFile: join(dataDir, 'switchyard.log'),
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      TEMPORAL_ADDRESS: temporalAddress,
      TEMPORAL_NAMESPACE: namespace,
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_ADMIN_KEY: adminKey,
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'warn',
    },
  });
  onCleanup(() => sw.stop());
  await sw.ready();
  const api = new Api(`http://127.0.0.1:${port}`, 8);
  onCleanup(() => api.close());
  await api.waitReady(120_000, () => sw.alive);

  const rows: Array<Record<string, unknown>> = [];
  for (const W of Ws) {
    for (const s of scenarios) {
      s.receiver.reset();
      const account = await api.createAccount(adminKey, `cost ${s.name} W=${W}`);
      const webhookIds = await api.createWebhooks(account.key, W, {
        receiverUrl: s.receiver.url,
        eventType: 'package.created',
        countdownSeconds: 1,
        maxAttempts: 5,
        timeout: '10s',
        delay: s.delay,
      });
      const eventIds = Array.from({ length: E }, (_, i) => `evt-cost-${runId}-${W}-${rows.length}-${i}`);
      // The server publishes its counters about once a second: let the last scenario's reads land first.
      await sleep(3000);
      const before = await scrape(metricsUrl);
      const posted = await postEvents(api, {
        key: account.key,
        ids: eventIds,
        type: 'package.created',
        concurrency: 4,
        rate: 0,
        retries: 2,
        deadlineMs: 60_000,
      });
      if (posted.some((p) => !p.accepted)) throw new Error(`an event was refused: ${JSON.stringify(posted)}`);
      const outcome = await waitUntil(() => s.receiver.delivered.size >= E * W, {
        deadlineMs: 120_000,
        stallMs: 30_000,
        progress: () => s.receiver.delivered.size,
      });
      if (outcome !== 'done') throw new Error(`${s.name}, W=${W}: deliveries ${outcome}`);
      await sleep(3000); // the workflows close just after the receiver answers; counters lag ~1 s
      const after = await scrape(metricsUrl);

      const dispatch: HistoryCount[] = [];
      const fanOuts: HistoryCount[] = [];
      const deliver: HistoryCount[] = [];
      for (const eventId of eventIds) {
        // Events the API starts directly (SWITCHYARD_DIRECT_START_MAX) have no dispatchEvent: zero.
        const fanOut = await countHistoryIfAny(client, `dispatch:${account.id}:${eventId}`);
        if (fanOut) fanOuts.push(fanOut);
        dispatch.push(fanOut ?? NO_WORKFLOW);
        for (const webhookId of webhookIds)
          deliver.push(await countHistory(client, `delivery:${eventId}:${webhookId}`));
      }
      const open = [...fanOuts, ...deliver].filter(
        (h) => !Object.keys(h.types).some((t) => t.startsWith('workflowExecutionCompleted')),
      ).length;
      const d = mean(dispatch);
      const v = mean(deliver);
      const deliveries = E * W;
      const server = serverFigures(before, after);
      const attempts = [...s.receiver.delivered.values()].reduce((a, x) => a + x.attempt, 0) / deliveries;
      const row = {
        scenario: s.name,
        webhooks: W,
        events: E,
        deliveries,
        attemptsPerDelivery: round(attempts, 2),
        workflowsNotCompleted: open,
        perDelivery: {
          historyEvents: round(v.events + d.events / W, 2),
          billableActions: round(v.actions + d.actions / W, 2),
          serverActionCounter: round(server.actionsTotal / deliveries, 2),
          persistenceRequests: round(server.persistenceRequests / deliveries, 1),
          persistenceWrites: round(server.persistenceWrites / deliveries, 2),
          frontendRequests: round(server.deliveryServiceRequests / deliveries, 1),
        },
        deliverWebhook: v,
        dispatchEvent: d,
        server: {
          ...server,
          actions: Object.fromEntries(
            Object.entries(server.actions).map(([k, n]) => [k, round(n / deliveries, 2)]),
          ),
          persistenceByOperation: Object.fromEntries(
            Object.entries(server.persistenceByOperation)
              .sort((a, b) => b[1] - a[1])
              .map(([k, n]) => [k, round(n / deliveries, 2)]),
          ),
          frontendRequestsByOperation: Object.fromEntries(
            Object.entries(server.frontendRequestsByOperation)
              .sort((a, b) => b[1] - a[1])
              .map(([k, n]) => [k, round(n / deliveries, 2)]),
          ),
          serviceRequestsByOperation: Object.fromEntries(
            Object.entries(server.serviceRequestsByOperation)
              .sort((a, b) => b[1] - a[1])
              .map(([k, n]) => [k, round(n / deliveries, 2)]),
          ),
        },
      };
      rows.push(row);
      log(
        `  ${s.name}, W=${W}: ${row.perDelivery.historyEvents} events, ${row.perDelivery.billableActions} actions per delivery`,
      );
    }
  }
  await connection.close();
  await sw.stop();

  const result = {
    runId,
    command: `npm run bench:cost -- ${process.argv.slice(2).join(' ')}`.trim(),
    at: new Date().toISOString(),
    rules:
      'Temporal Cloud actions as documented at https://docs.temporal.io/cloud/actions (bench/lib/temporalActions.ts)',
    rows,
  };
  const path = args.json ? resolve(args.json) : join(resultsDir, `cost-${runId}.json`);
  writeFileSync(path, `${JSON.stringify(result, null, 2)}\n`);

  const out = ['', `Temporal cost per delivery ${runId}  (${result.command})`];
  out.push(
    `  ${'scenario'.padEnd(34)} ${'W'.padStart(3)}  ${'events'.padStart(6)}  ${'actions'.padStart(7)}  ${'deliver ev/act'.padStart(14)}  ${'dispatch ev/act'.padStart(15)}  ${'server action'.padStart(13)}  ${'persist'.padStart(7)}  ${'writes'.padStart(6)}  ${'frontend'.padStart(8)}`,
  );
  for (const r of rows as Array<
    (typeof rows)[number] & {
      deliverWebhook: HistoryCount;
      dispatchEvent: HistoryCount;
      perDelivery: Record<string, number>;
    }
  >) {
    out.push(
      `  ${String(r.scenario).padEnd(34)} ${String(r.webhooks).padStart(3)}  ${String(r.perDelivery.historyEvents).padStart(6)}  ${String(r.perDelivery.billableActions).padStart(7)}  ${`${r.deliverWebhook.events} / ${r.deliverWebhook.actions}`.padStart(14)}  ${`${r.dispatchEvent.events} / ${r.dispatchEvent.actions}`.padStart(15)}  ${String(r.perDelivery.serverActionCounter).padStart(13)}  ${String(r.perDelivery.persistenceRequests).padStart(7)}  ${String(r.perDelivery.persistenceWrites).padStart(6)}  ${String(r.perDelivery.frontendRequests).padStart(8)}`,
    );
  }
  out.push(
    '  events, actions: per delivery = deliverWebhook + dispatchEvent / W (history counts, Cloud rules);',
    "  server columns, the dev server's own counters per delivery: its `action` counter, persistence requests",
    '  (clock-driven ones left out), of them the workflow writes (Create/UpdateWorkflowExecution), frontend',
    '  requests of the delivery path (no polls, no reads of ours)',
    `  written        ${path}`,
    '',
  );
  process.stdout.write(out.join('\n'));
  return 0;
}

await runMain('bench:cost', main);
