import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join, resolve } from 'node:path';
import { SEARCH_ATTRIBUTES } from '../constants';
import type { Logger } from '../logger';
import { temporalCliPath } from './binaries';

export interface DevServerOptions {
  port: number;
  uiPort: number | null; // null: headless
  namespace: string;
  /** SQLite file; null keeps state in memory (tests). */
  dbFile: string | null;
  /** Where the pid file lives, so a crashed predecessor's server can be cleaned up. */
  stateDir?: string;
  logger?: Logger;
  startTimeoutMs?: number;
}

export interface DevServer {
  address: string;
  uiUrl: string | null;
  process: ChildProcess;
  stop(): Promise<void>;
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** How long a stale server gets to stop on SIGTERM before it is killed. */
const REAP_GRACE_MS = 10_000;

/**
 * A server left behind by a process that was killed with SIGKILL would hold the port and the SQLite
 * file: stop it, and wait until it has gone (it takes a moment to close its SQLite file and port;
 * a start that checked the port at once found it still in use).
 */
async function reapStale(pidFile: string, logger?: Logger): Promise<void> {
  if (!existsSync(pidFile)) return;
  const pid = Number(readFileSync(pidFile, 'utf8'));
  let cmdline = '';
  try {
    cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  } catch {
    /* not running or not Linux */
  }
  if (pid > 0 && alive(pid) && cmdline.includes('start-dev')) {
    logger?.warn({ pid }, 'stopping a Temporal dev server left behind by an earlier run');
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + REAP_GRACE_MS;
    while (alive(pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    if (alive(pid)) process.kill(pid, 'SIGKILL');
    while (alive(pid)) await new Promise((r) => setTimeout(r, 50));
  }
  rmSync(pidFile, { force: true });
}

export function devServerArgs(opts: DevServerOptions): string[] {
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(opts.port),
    '--namespace',
    opts.namespace,
    '--log-format',
    'json',
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableUpdateWorkflowExecution=true',
  ];
  if (opts.dbFile) {
    // Without WAL every Temporal transaction fsyncs and the server is bound by the disk (measured:
    // the no-op ceiling went 11.9 → 22.2 workflows/s, BENCHMARKS.md). WAL with synchronous=normal
    // survives a killed process; only an OS crash can lose the last transactions.
    args.push('--db-filename', opts.dbFile);
    args.push('--sqlite-pragma', 'journal_mode=wal', '--sqlite-pragma', 'synchronous=normal');
  }
  if (opts.uiPort === null) args.push('--headless');
  // The embedded Web UI otherwise fetches a newsfeed from temporal.io whenever it is opened: the
  // service keeps to loopback and its targets, and works offline.
  else args.push('--ui-port', String(opts.uiPort), '--ui-disable-news-fetch');
  for (const sa of SEARCH_ATTRIBUTES) args.push('--search-attribute', `${sa.name}=${sa.type}`);
  return args;
}

/** The embedded dev server's soft memory limit, unless GOMEMLIMIT is already set. */
export const DEV_SERVER_GOMEMLIMIT = '320MiB';

/**
 * The dev server's environment. Go's collector lets the heap grow to twice the live data between
 * collections, so the server's RSS followed the size of the run (448 MiB after 6000 workflows);
 * a soft limit makes it collect sooner instead (BENCHMARKS.md).
 */
export function devServerEnvironment(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...env, GOMEMLIMIT: env.GOMEMLIMIT || DEV_SERVER_GOMEMLIMIT };
}

/** Starts the Temporal CLI dev server as a supervised child and waits until it answers. */
export async function startDevServer(opts: DevServerOptions): Promise<DevServer> {
  const pidFile = opts.stateDir ? join(resolve(opts.stateDir), 'temporal-dev-server.pid') : undefined;
  if (pidFile) {
    mkdirSync(resolve(opts.stateDir as string), { recursive: true });
    await reapStale(pidFile, opts.logger);
  }
  if (opts.dbFile) mkdirSync(resolve(opts.dbFile, '..'), { recursive: true });
  if (await portOpen(opts.port)) {
    throw new Error(
      `port ${opts.port} is already in use, so the embedded Temporal dev server cannot start. ` +
        `Stop whatever listens there, set TEMPORAL_PORT to a free port, or set TEMPORAL_ADDRESS to use that server.`,
    );
  }
  const child = spawn(temporalCliPath(), devServerArgs(opts), {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: devServerEnvironment(process.env),
  });
  if (pidFile && child.pid) writeFileSync(pidFile, String(child.pid));
  let exited = false;
  let output = '';
  const onData = (chunk: Buffer) => {
    const text = chunk.toString();
    output = (output + text).slice(-8000);
    for (const line of text.split('\n').filter(Boolean))
      opts.logger?.debug({ temporal: line }, 'temporal dev server');
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exitedPromise = new Promise<void>((done) =>
    child.once('exit', (code, signal) => {
      exited = true;
      if (pidFile) rmSync(pidFile, { force: true });
      opts.logger?.info({ code, signal }, 'temporal dev server exited');
      done();
    }),
  );

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await portOpen(opts.port))) {
    if (exited) throw new Error(`the Temporal dev server exited during start-up:\n${output}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal dev server did not open port ${opts.port} in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }

  return {
    address: `127.0.0.1:${opts.port}`,
    uiUrl: opts.uiPort === null ? null : `http://127.0.0.1:${opts.uiPort}`,
    process: child,
    async stop() {
      if (exited) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exitedPromise;
      clearTimeout(timer);
    },
  };
}
