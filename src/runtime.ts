import { execFile } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { once } from 'node:events';
import type { Server } from 'node:http';
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { Worker } from '@temporalio/worker';
import type { Config } from './config';
import { createDb, migrate, pgliteDir, type Db } from './db/knex';
import { randomToken } from './ids';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { SecretBox, loadOrCreateSecret } from './secrets';
import { startDevServer, type DevServer } from './temporal/devServer';
import { registerMissingSearchAttributes } from './temporal/registerSearchAttributes';
import { connectClient, connectWorker } from './temporal/connect';
import { createWorker, installRuntime, reportStackTraces, workflowStackTraces } from './worker';
import { createServices } from './services';
import { createApp } from './api/app';
import { answerClientErrors } from './api/clientErrors';
import { createSafeDispatcher, parseOutboundSink } from './rules/urlSafety';
import { createMailer } from './mailer';

export interface Roles {
  api: boolean;
  worker: boolean;
}

export interface Running {
  config: Config;
  logger: Logger;
  db: Db;
  temporalAddress: string;
  apiUrl?: string;
  uiUrl: string | null;
  adminKey?: { value: string; source: string; path: string };
  worker?: Worker;
  server?: Server;
  stop(): Promise<void>;
}

export class StartupError extends Error {}

// PGlite's first start runs initdb (a second WebAssembly module) and leaves this process about
// 300 MiB larger at the peak and 85 MiB larger for good (measured): a short-lived child process
// creates the database files instead. If that fails, PGlite initialises them in-process as before.
const PGLITE_INIT_SCRIPT = `
const { PGlite } = await import(process.argv[1]);
const db = new PGlite(process.argv[2]);
await db.waitReady;
await db.close();
`;

async function initPgliteInChildProcess(dir: string, logger: Logger): Promise<void> {
  if (existsSync(join(dir, 'PG_VERSION'))) return;
  mkdirSync(dir, { recursive: true });
  await new Promise<void>((done) =>
    execFile(
      process.execPath,
      ['--input-type=module', '-e', PGLITE_INIT_SCRIPT, import.meta.resolve('@electric-sql/pglite'), dir],
      { timeout: 120_000 },
      (err, _stdout, stderr) => {
        if (err) logger.warn({ err, stderr }, 'could not create the PGlite database in a child process');
        done();
      },
    ),
  );
}

/** Builds and starts whatever this process runs: the all-in-one default, or the API or worker alone. */
export async function start(config: Config, roles: Roles): Promise<Running> {
  const logger = createLogger(config.LOG_LEVEL);
  const dataDir = resolve(config.SWITCHYARD_DATA_DIR);
  const allInOne = roles.api && roles.worker;
  if (!allInOne && !config.DATABASE_URL) {
    throw new StartupError(
      'DATABASE_URL is required when the API and the worker run as separate processes: ' +
        'the embedded PGlite database serves a single process.',
    );
  }
  if (!allInOne && !config.TEMPORAL_ADDRESS) {
    throw new StartupError(
      'TEMPORAL_ADDRESS is required when the API and the worker run as separate processes: ' +
        'only `npm start` runs the embedded Temporal dev server.',
    );
  }
  mkdirSync(dataDir, { recursive: true });
  installRuntime(config.LOG_LEVEL);

  const cleanups: Array<() => Promise<void>> = [];
  const stopAll = async () => {
    for (const fn of cleanups.reverse()) {
      try {
        await fn();
      } catch (err) {
        logger.warn({ err }, 'error during shutdown');
      }
    }
  };

  try {
    const secretKey = loadOrCreateSecret(dataDir, 'secret-key', config.SWITCHYARD_SECRET_KEY, () =>
      randomToken(32),
    );
    const secrets = new SecretBox(secretKey.value);
    const metrics = createMetrics();

    if (!config.DATABASE_URL) await initPgliteInChildProcess(pgliteDir(dataDir), logger);
    const db = createDb({ databaseUrl: config.DATABASE_URL, dataDir });
    cleanups.push(() => db.destroy());
    const applied = await migrate(db, { secrets });
    if (applied.length) logger.info({ applied }, 'database migrated');

    let devServer: DevServer | undefined;
    let temporalAddress = config.TEMPORAL_ADDRESS;
    if (!temporalAddress) {
      devServer = await startDevServer({
        port: config.TEMPORAL_PORT,
        uiPort: config.TEMPORAL_UI_PORT,
        namespace: config.TEMPORAL_NAMESPACE,
        dbFile: join(dataDir, 'temporal.sqlite'),
        stateDir: dataDir,
        logger,
      });
      cleanups.push(() => devServer!.stop());
      temporalAddress = devServer.address;
    }
    const { client, connection } = await connectClient(temporalAddress, config.TEMPORAL_NAMESPACE, logger);
    cleanups.push(() => connection.close());
    if (devServer) await registerMissingSearchAttributes(client, logger);

    const running: Running = {
      config,
      logger,
      db,
      temporalAddress,
      uiUrl: devServer?.uiUrl ?? null,
      stop: stopAll,
    };

    let workerClient: Client | undefined;
    if (roles.worker) {
      const nativeConnection = await connectWorker(temporalAddress, logger);
      cleanups.push(() => nativeConnection.close());
      const sink = config.SWITCHYARD_OUTBOUND_SINK
        ? parseOutboundSink(config.SWITCHYARD_OUTBOUND_SINK)
        : undefined;
      if (sink && 'problem' in sink) throw new Error(`SWITCHYARD_OUTBOUND_SINK ${sink.problem}`);
      if (sink) logger.warn({ sink }, 'outbound sink: every webhook and connector request goes to the sink');
      const http = createSafeDispatcher({ allowPrivate: config.SWITCHYARD_ALLOW_PRIVATE_TARGETS, sink });
      cleanups.push(() => http.close());
      const mailer = createMailer(config.SMTP_URL, config.SMTP_FROM);
      cleanups.push(async () => mailer.close());
      // Activities start workflows (the fan-out) through the worker's own connection, so the
      // server can hand each new workflow's first task straight back to this worker (eager start).
      workerClient = new Client({ connection: nativeConnection, namespace: config.TEMPORAL_NAMESPACE });
      const worker = await createWorker({
        connection: nativeConnection,
        namespace: config.TEMPORAL_NAMESPACE,
        deps: { db, logger, metrics, secrets, temporal: workerClient, config, http, mailer },
      });
      reportStackTraces(workflowStackTraces(), config.SWITCHYARD_WORKFLOW_STACK_TRACES, logger);
      const runPromise = worker.run();
      runPromise.catch((err) => logger.error({ err }, 'worker stopped with an error'));
      cleanups.push(async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await runPromise.catch(() => undefined);
      });
      running.worker = worker;
    }

    if (roles.api) {
      const adminKey = loadOrCreateSecret(
        dataDir,
        'admin-key',
        config.SWITCHYARD_ADMIN_KEY,
        () => `sya_${randomToken(24)}`,
      );
      const services = createServices({
        db,
        temporal: client,
        eagerStarts: workerClient,
        config,
        logger,
        metrics,
        secrets,
      });
      const app = createApp({
        db,
        temporal: client,
        logger,
        metrics,
        adminKey: adminKey.value,
        services,
        secrets,
        rateLimit: config.SWITCHYARD_RATE_LIMIT,
        console: {
          temporalUiUrl: config.TEMPORAL_UI_URL ?? null,
          temporalUiPort: config.TEMPORAL_ADDRESS ? null : config.TEMPORAL_UI_PORT,
          namespace: config.TEMPORAL_NAMESPACE,
        },
      });
      const server = app.listen(config.PORT, config.HOST);
      answerClientErrors(server);
      await Promise.race([
        once(server, 'listening'),
        once(server, 'error').then(([err]) => {
          throw new StartupError(
            `the API cannot listen on ${config.HOST}:${config.PORT}: ${(err as Error).message}`,
          );
        }),
      ]);
      // Stop taking connections first on shutdown; keep-alive sockets are closed too.
      cleanups.push(async () => {
        server.closeIdleConnections();
        await new Promise<void>((done) => server.close(() => done()));
      });
      running.server = server;
      running.adminKey = adminKey;
      const host = config.HOST === '0.0.0.0' || config.HOST === '::' ? '127.0.0.1' : config.HOST;
      running.apiUrl = `http://${host}:${config.PORT}`;
      // Temporal Schedules and watchdogs follow PostgreSQL; in the background, so start-up never waits on it.
      void services.channels
        .reconcileAll()
        .catch((err) => logger.error({ err }, 'channel automation reconciliation failed'));
      void services.retention
        .reconcileSchedule()
        .catch((err) => logger.error({ err }, 'retention schedule reconciliation failed'));
      // An event stored just before a crash, whose deliveries or fan-out never started, is dispatched here.
      const sweep = () =>
        services.events.redispatchStranded().then(
          (n) => n > 0 && logger.warn({ events: n }, 'dispatched events a crash had left undispatched'),
          (err) => logger.warn({ err }, 'could not dispatch the undispatched events'),
        );
      void sweep();
      const sweeper = setInterval(() => void sweep(), 60_000).unref();
      cleanups.push(async () => clearInterval(sweeper));
    }
    return running;
  } catch (err) {
    await stopAll();
    throw err;
  }
}

/** Runs until SIGINT/SIGTERM, then drains the worker and stops the dev server. */
export function stopOnSignals(running: Running): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      running.logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    stopping = true;
    running.logger.info({ signal }, 'shutting down');
    running.stop().then(
      () => process.exit(0),
      (err) => {
        running.logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
