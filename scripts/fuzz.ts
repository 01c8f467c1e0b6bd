// `npm run fuzz [-- --ci]`: schemathesis against a running Switchyard, every check on.
//
// Starts the all-in-one service as `npm start` runs it (embedded Temporal dev server + PGlite, in a
// temporary data dir, loopback ports only), creates an account through the API, then lets
// schemathesis generate requests from /openapi.json: the admin key on the admin routes
// (/v1/accounts...), the account key everywhere else, the channel's inbound token on the inbound
// route. Seeded ids (the account, a webhook, a channel, an event, its delivery, a job run) are given
// to the routes that take an id, so generated bodies reach the handlers instead of stopping at 404;
// DELETE gets spare ones so the seeds survive the run. Every request goes to 127.0.0.1, the
// service's own outbound requests included (SWITCHYARD_OUTBOUND_SINK: a loopback sink answers them). Exits
// non-zero on any failure: a 5xx, a status or body the schema does not describe, an accepted invalid
// input, a rejected valid one, ignored auth... The findings, de-duplicated, are printed at the end
// and written with the raw reports to bench-results/fuzz-<run>/.
//
// Budgets: `--ci` is small and time-boxed for .ci/run; the default is the larger local pass.
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Api } from '../bench/lib/api';
import { parseArgs } from '../bench/lib/args';
import { freePort, sleep } from '../bench/lib/net';
import {
  REPO_ROOT,
  SwitchyardProcess,
  allInOnePorts,
  installExitHandlers,
  onCleanup,
  runMain,
} from '../bench/lib/procs';
import { summarise } from './fuzz-report';
// @ts-expect-error -- a plain .mjs script (no types); it installs the tool and says where it is
import { installedSchemathesis, SCHEMATHESIS_VERSION } from './setup-schemathesis.mjs';

const args = parseArgs('npm run fuzz --', {
  ci: { type: 'boolean', help: 'the CI budget: few examples per operation, time-boxed' },
  'max-examples': {
    type: 'number',
    default: 0,
    help: 'examples per operation and phase (default 8 ci, 60 local)',
  },
  'max-time': {
    type: 'number',
    default: 0,
    help: 'seconds for the whole schemathesis run (default 150 ci, 900 local)',
  },
  workers: {
    type: 'number',
    default: 0,
    help: 'concurrent schemathesis workers (default 1 ci, 2 local; CPython 3.11 can crash with 2)',
  },
  seed: { type: 'number', default: 0, help: 'hypothesis seed (default fixed in ci, random locally)' },
  phases: { type: 'string', default: 'examples,coverage,fuzzing,stateful', help: 'schemathesis phases' },
  'exclude-checks': {
    type: 'string',
    default: '',
    help: 'checks to skip, for local triage only (CI runs all)',
  },
  keep: { type: 'boolean', help: 'keep the temporary data dir (service log, PGlite, Temporal state)' },
});

const CI = args.ci;
const maxExamples = args['max-examples'] || (CI ? 8 : 60);
const maxTime = args['max-time'] || (CI ? 150 : 900);
const workers = args.workers || (CI ? 1 : 2);
const seed = args.seed || (CI ? 9 : Math.floor(Math.random() * 2 ** 31));
const runId = `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*/, '')}-${randomBytes(3).toString('hex')}`;
const log = (s: string) => process.stderr.write(`[fuzz] ${s}\n`);

/** Ids and keys the fuzzer is handed, so that it reaches past authentication and lookups. */
interface Seeds {
  adminKey: string;
  accountId: string;
  accountKey: string;
  webhookId: string;
  channelId: string;
  /** For DELETE, so that the seeds above live through the run. */
  spareWebhookId: string;
  spareChannelId: string;
  /**
   * For POST /v1/channels/{id}/rotate-inbound-token: rotating the seeded channel's token (with
   * `keep_old_for: null`, or twice) would lock the inbound route's fuzzing out with 401s.
   */
  rotationChannelId: string;
  inboundToken: string;
  eventId: string;
  deliveryId: string;
  jobRunId: string;
  /** A second key of the account, for DELETE /v1/accounts/{id}/keys/{key_id}. */
  spareKeyId: string;
}

/** A catalogue job type for the routes that take one (any other is a 404). */
const SEED_JOB_TYPE = 'inventory.sync';

async function seedData(api: Api, adminKey: string): Promise<Seeds> {
  const account = await api.createAccount(adminKey, 'fuzz');
  const must = async (method: 'GET' | 'POST', path: string, body: unknown, key = account.key) => {
    const r = await api.call(method, path, key, body);
    if (r.status >= 300) throw new Error(`${method} ${path} answered ${r.status}: ${JSON.stringify(r.body)}`);
    return r.body;
  };
  // Behind delays of a year, so the seeded delivery and job run exist for the fuzzer to read, cancel
  // and retry. The service runs with an outbound sink: whatever is sent goes to the loopback sink,
  // and the name is never resolved (`.test` is reserved for testing, RFC 2606).
  const target = 'http://fuzz-receiver.switchyard.test/hook';
  const newWebhook = () =>
    must('POST', '/v1/webhooks', {
      name: 'fuzz seed',
      event_type: 'package.created',
      target_url: target,
      timeout: '5s',
      delay: '365d',
    });
  const newChannel = () =>
    must('POST', '/v1/channels', {
      name: 'fuzz seed',
      kind: 'sales',
      release: 'beta',
      mode: 'webhook',
      connector: { url: target },
      webhook_jobs: { 'orders.import': { delay: '365d', emergency_job_period: null } },
    });
  const [webhook, spareWebhook, channel, spareChannel, rotationChannel] = [
    await newWebhook(),
    await newWebhook(),
    await newChannel(),
    await newChannel(),
    await newChannel(),
  ];
  const eventId = `evt-fuzz-${randomBytes(4).toString('hex')}`;
  await must('POST', '/v1/events', { id: eventId, type: 'package.created', payload: { seed: true } });
  const run = await must(
    'POST',
    `/v1/inbound/${channel.id}/orders.import`,
    { seed: true },
    channel.inbound_token,
  );
  // The delivery is planned by the worker a moment after the event is accepted.
  let deliveryId = '';
  for (let i = 0; i < 100 && !deliveryId; i++) {
    const page = await must('GET', `/v1/deliveries?event_id=${encodeURIComponent(eventId)}`, undefined);
    deliveryId = page.data[0]?.id ?? '';
    if (!deliveryId) await sleep(200);
  }
  if (!deliveryId) throw new Error(`no delivery was planned for the seeded event ${eventId} within 20 s`);
  return {
    adminKey,
    accountId: account.id,
    accountKey: account.key,
    webhookId: webhook.id,
    channelId: channel.id,
    spareWebhookId: spareWebhook.id,
    spareChannelId: spareChannel.id,
    rotationChannelId: rotationChannel.id,
    inboundToken: channel.inbound_token,
    eventId,
    deliveryId,
    jobRunId: run.job_run_id,
    spareKeyId: (await must('POST', `/v1/accounts/${account.id}/keys`, undefined, adminKey)).key_id,
  };
}

/** schemathesis' default expected statuses for positive_data_acceptance (4.32.5). */
const POSITIVE_DEFAULT = ['2xx', '3xx', '401', '403', '404', '409', '429', '5xx'];

const toml = (v: string) => JSON.stringify(v); // a JSON string is a valid TOML basic string

/** schemathesis.toml: which key each group of operations uses, and the seeded ids. */
function config(s: Seeds): string {
  const bearer = (key: string) => `headers = { Authorization = ${toml(`Bearer ${key}`)} }`;
  const block = (lines: string[]) => ['[[operations]]', ...lines, ''].join('\n');
  /**
   * The rules the OpenAPI document cannot state: a 422 is let through positive_data_acceptance for
   * the operations they apply to only, and scripts/fuzz_hooks.py's `refusal_is_documented` check
   * then fails any such 422 whose details name another field or reason (README, "Fuzzing"). Every
   * other rule is a pattern, bound or enum in the document, so a schema-valid request the server
   * refuses still fails the run.
   */
  const alsoRefused = (name: string, why: string) =>
    block([
      `# ${why}`,
      `include-name = ${toml(name)}`,
      '[operations.checks.positive_data_acceptance]',
      `expected-statuses = ${JSON.stringify([...POSITIVE_DEFAULT, '422'])}`,
    ]);
  return [
    // NUL is refused in every string and key of every body, query and path (PostgreSQL cannot store
    // it in text or jsonb); a pattern could say so for named fields but not for free-form JSON
    // (event payloads, inbound bodies, header and job maps), so no generated value contains it.
    ['[generation]', 'allow-x00 = false', ''].join('\n'),
    // Target and connector URLs: a public address that resolves (SSRF rules, DNS at request time);
    // header names are HTTP tokens and job maps are keyed by catalogue job types, and OpenAPI
    // 3.0 has no propertyNames to say what the keys of a map may be.
    ...['POST /v1/webhooks', 'PATCH /v1/webhooks/{id}', 'POST /v1/channels', 'PATCH /v1/channels/{id}'].map(
      (name) =>
        alsoRefused(name, 'URL safety and DNS; map keys (no propertyNames in OpenAPI 3.0); filter grammar'),
    ),
    // Numbers in free-form JSON must be exact in a double (integers within ±2^53), and strings may
    // not hold unpaired surrogates: a JSON schema cannot bound the numbers or strings of "any JSON".
    ...['POST /v1/events', 'POST /v1/inbound/{channel_id}/{job_type}'].map((name) =>
      alsoRefused(name, 'numbers beyond 2^53 and unpaired surrogates inside free-form JSON'),
    ),
    // A payload filter's grammar (paths, operators, operand types, 8 levels, 8 KiB: the document
    // shows a free-form object) and free-form JSON in the event it is tried on. The webhook
    // operations above let their filter refusals through the same way.
    alsoRefused('POST /v1/filters/evaluate', 'payload filter grammar; free-form JSON in the event payload'),
    // A recurring job's shift must be shorter than its period: a rule across two fields.
    alsoRefused('PUT /v1/recurring-jobs/{job_type}', 'shift shorter than period (a rule across fields)'),
    block(['include-path-regex = "^/v1/accounts"', bearer(s.adminKey)]),
    block(['include-path-regex = "^/v1/(?!accounts|inbound/)"', bearer(s.accountKey)]),
    block(['include-path-regex = "^/v1/inbound/"', bearer(s.inboundToken)]),
    // Real ids; DELETE gets spares, so the seeds live through the run.
    ...(
      [
        ['webhooks', s.webhookId, s.spareWebhookId],
        ['channels', s.channelId, s.spareChannelId],
      ] as const
    ).flatMap(([kind, id, spare]) => [
      block([
        // One filter per block: schemathesis ORs the filters of a block. The inbound token's
        // rotation is left out: it gets a channel of its own (below).
        `include-name-regex = "^(GET|PATCH|POST) /v1/${kind}/\\\\{id\\\\}(?!/rotate-inbound-token)"`,
        `parameters = { "path.id" = ${toml(id)} }`,
        bearer(s.accountKey),
      ]),
      block([
        `include-name = "DELETE /v1/${kind}/{id}"`,
        `parameters = { "path.id" = ${toml(spare)} }`,
        bearer(s.accountKey),
      ]),
    ]),
    // Rotating the seeded channel's inbound token (with `keep_old_for: null`, or twice) would lock
    // the inbound route out with 401s: the rotation gets a channel of its own. Blocks must not
    // overlap here: the first block that names `parameters` for an operation wins.
    block([
      'include-name = "POST /v1/channels/{id}/rotate-inbound-token"',
      `parameters = { "path.id" = ${toml(s.rotationChannelId)} }`,
      bearer(s.accountKey),
    ]),
    ...(
      [
        ['^/v1/deliveries/\\\\{id\\\\}', s.deliveryId],
        ['^/v1/events/\\\\{id\\\\}', s.eventId],
        ['^/v1/job-runs/\\\\{id\\\\}', s.jobRunId],
      ] as const
    ).map(([path, id]) =>
      block([
        `include-path-regex = "${path}"`,
        `parameters = { "path.id" = ${toml(id)} }`,
        bearer(s.accountKey),
      ]),
    ),
    block([
      'include-path = "/v1/inbound/{channel_id}/{job_type}"',
      `parameters = { "path.channel_id" = ${toml(s.channelId)} }`,
      bearer(s.inboundToken),
    ]),
    block([
      'include-path = "/v1/accounts/{id}/keys"',
      `parameters = { "path.id" = ${toml(s.accountId)} }`,
      bearer(s.adminKey),
    ]),
    // `parameters` is not merged across blocks (the last block naming it wins): each of these
    // comes after the general block of its operations and gives every path parameter.
    block([
      'include-name = "DELETE /v1/accounts/{id}/keys/{key_id}"',
      `parameters = { "path.id" = ${toml(s.accountId)}, "path.key_id" = ${toml(s.spareKeyId)} }`,
    ]),
    block([
      'include-path-regex = "^/v1/recurring-jobs/\\\\{job_type\\\\}"',
      `parameters = { "path.job_type" = ${toml(SEED_JOB_TYPE)} }`,
    ]),
    block([
      'include-path-regex = "^/v1/channels/\\\\{id\\\\}/jobs/\\\\{job_type\\\\}"',
      // The seeded channel's own job (its webhook_jobs name it).
      `parameters = { "path.id" = ${toml(s.channelId)}, "path.job_type" = "orders.import" }`,
    ]),
  ].join('\n');
}

/** A loopback HTTP server answering 204 to everything: the service's outbound sink. */
async function startSink(): Promise<{ port: number; requests: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server = createServer((req, res) => {
    count++;
    req.resume();
    req.on('end', () => res.writeHead(204).end());
  });
  // https targets reach it too and fail their TLS handshake at once: a quick failed attempt.
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    requests: () => count,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

/** Runs the CLI in `cwd` (the run's report folder: its .hypothesis/ and .schemathesis/ caches land there). */
function runSchemathesis(python: string, toolDir: string, argv: string[], cwd: string): Promise<number> {
  return new Promise((done, reject) => {
    const child = spawn(
      python,
      [
        '-c',
        'import sys; from schemathesis.cli import schemathesis; sys.argv[0] = "schemathesis"; sys.exit(schemathesis())',
        ...argv,
      ],
      {
        cwd,
        env: {
          ...process.env,
          // scripts/fuzz_hooks.py: the check that narrows the documented 422 exceptions.
          PYTHONPATH: [toolDir, join(REPO_ROOT, 'scripts')].join(delimiter),
          SCHEMATHESIS_HOOKS: 'fuzz_hooks',
          PYTHONUNBUFFERED: '1',
          NO_COLOR: '1',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    const out: string[] = [];
    const tee = (c: Buffer) => {
      out.push(c.toString());
      process.stdout.write(c);
    };
    child.stdout.on('data', tee);
    child.stderr.on('data', tee);
    // schemathesis prints a phase when it ends, and fuzzing runs for most of the budget.
    const t0 = performance.now();
    const beat = setInterval(
      () => log(`schemathesis still running (${Math.round((performance.now() - t0) / 1000)} s)`),
      30_000,
    ).unref();
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      clearInterval(beat);
      writeFileSync(join(cwd, 'schemathesis.log'), out.join(''));
      done(code ?? (signal ? 1 : 0));
    });
    onCleanup(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
  });
}

async function main(): Promise<number> {
  installExitHandlers();
  const t0 = performance.now();
  const setup = spawn(process.execPath, [join(REPO_ROOT, 'scripts', 'setup-schemathesis.mjs')], {
    stdio: 'inherit',
  });
  const setupCode = await new Promise<number | null>((r) => setup.once('exit', r));
  if (setupCode !== 0) return 1;
  const tool = installedSchemathesis() as { python: string; dir: string } | undefined;
  if (!tool) throw new Error('schemathesis is not installed; run node scripts/setup-schemathesis.mjs');

  const outDir = resolve(REPO_ROOT, 'bench-results', `fuzz-${runId}`);
  mkdirSync(outDir, { recursive: true });
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-fuzz-'));
  if (!args.keep) onCleanup(async () => rmSync(dataDir, { recursive: true, force: true }));
  const { port, env: ports } = await allInOnePorts(freePort);
  // Every webhook and connector request the fuzzed service makes lands here, on loopback: fuzzed
  // target URLs name real-world hosts, and nothing may leave the machine.
  const sink = await startSink();
  onCleanup(() => sink.close());
  const adminKey = `sya_fuzz_${randomBytes(16).toString('hex')}`;
  log(`starting Switchyard (npm start: dev server + PGlite) in ${dataDir} ...`);
  const sw = new SwitchyardProcess({
    name: 'switchyard',
    script: 'start',
    logFile: join(outDir, 'switchyard.log'),
    // The production default: private and loopback targets refused (SSRF rules are fuzzed too).
    env: {
      ...process.env,
      ...ports,
      SWITCHYARD_DATA_DIR: dataDir,
      SWITCHYARD_ADMIN_KEY: adminKey,
      SWITCHYARD_OUTBOUND_SINK: `127.0.0.1:${sink.port}`,
      LOG_LEVEL: 'warn',
    },
  });
  onCleanup(() => sw.stop());
  await sw.ready();
  const base = `http://127.0.0.1:${port}`;
  const api = new Api(base, 2);
  onCleanup(() => api.close());
  await api.waitReady(120_000, () => sw.alive);
  const seeds = await seedData(api, adminKey);
  const configFile = join(dataDir, 'schemathesis.toml');
  writeFileSync(configFile, config(seeds));
  log(
    `ready after ${((performance.now() - t0) / 1000).toFixed(1)} s; seeded ${JSON.stringify({ ...seeds, adminKey: undefined, accountKey: undefined, inboundToken: undefined })}`,
  );

  const ndjson = join(outDir, 'events.ndjson');
  const argv = [
    '--config-file',
    configFile,
    'run',
    `${base}/openapi.json`,
    '--url',
    base,
    '--checks',
    'all',
    '--phases',
    args.phases,
    '--max-examples',
    String(maxExamples),
    '--max-time',
    String(maxTime),
    '--workers',
    String(workers),
    '--seed',
    String(seed),
    '--request-timeout',
    '15',
    '--generation-database',
    'none',
    '--report',
    'junit,ndjson',
    '--report-dir',
    outDir,
    '--report-ndjson-path',
    ndjson,
    '--no-color',
    ...(CI ? [] : ['--continue-on-failure']),
    ...(args['exclude-checks'] ? ['--exclude-checks', args['exclude-checks']] : []),
  ];
  log(
    `schemathesis ${SCHEMATHESIS_VERSION}: ${maxExamples} examples per operation, at most ${maxTime} s, seed ${seed}, reports in ${outDir}`,
  );
  const code = await runSchemathesis(tool.python, tool.dir, argv, outDir);
  if (!sw.alive) log(`Switchyard exited during the run: ${sw.output().slice(-2000)}`);
  const summary = await summarise(ndjson, join(outDir, 'switchyard.log'));
  writeFileSync(join(outDir, 'summary.txt'), summary.text);
  process.stdout.write(`\n${summary.text}`);
  log(`the outbound sink received ${sink.requests()} requests (webhook attempts and connector jobs)`);
  log(
    `done in ${((performance.now() - t0) / 1000).toFixed(1)} s (schemathesis exit ${code}); reports in ${outDir}`,
  );
  return code === 0 && summary.failures === 0 && sw.alive ? 0 : 1;
}

await runMain('fuzz', main);
