import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, type WriteStream } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface SpawnOptions {
  /** Label in logs and reports. */
  name: string;
  /** The package.json script the process runs exactly as npm would (its env, node flags and entry). */
  script: 'start' | 'start:api' | 'start:worker';
  env: Record<string, string | undefined>;
  /** stdout and stderr of the process go here. */
  logFile: string;
  /** Extra node flags (e.g. --cpu-prof). */
  nodeArgs?: string[];
}

export interface ScriptCommand {
  env: Record<string, string>;
  /** Node flags, `--import tsx` and the entry point. */
  args: string[];
}

/**
 * Reads a start script (`[VAR=value ...] node [flags] <entry>`) from package.json, so the bench
 * measures the service with the same memory flags `npm start` gives it.
 */
export function scriptCommand(name: SpawnOptions['script']): ScriptCommand {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
    scripts: Record<string, string>;
  };
  const words = (pkg.scripts[name] ?? '').trim().split(/\s+/);
  const env: Record<string, string> = {};
  while (words[0] && /^[A-Z_][A-Z0-9_]*=/.test(words[0])) {
    const [key, ...value] = (words.shift() as string).split('=');
    env[key as string] = value.join('=');
  }
  if (words.shift() !== 'node' || words.length === 0) {
    throw new Error(`package.json script ${name} is not of the form "[VAR=value ...] node [flags] <entry>"`);
  }
  return { env, args: words };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A Switchyard process (`npm start`-equivalent: `node --import tsx <entry>`) in its own process
 * group, so that stopping it also stops anything it started (the embedded Temporal dev server),
 * even when it has to be killed.
 */
export class SwitchyardProcess {
  readonly child: ChildProcess;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private banner = false;
  private bannerWaiters: Array<() => void> = [];
  private tail = '';
  private readonly log: WriteStream;
  exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;

  constructor(readonly opts: SpawnOptions) {
    this.log = createWriteStream(opts.logFile, { flags: 'a' });
    const command = scriptCommand(opts.script);
    this.child = spawn(process.execPath, [...(opts.nodeArgs ?? []), ...command.args], {
      cwd: REPO_ROOT,
      env: { ...command.env, ...opts.env } as NodeJS.ProcessEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    LIVE.add(this);
    const onData = (chunk: Buffer) => {
      this.log.write(chunk);
      this.tail = (this.tail + chunk.toString()).slice(-6000);
      if (!this.banner && this.tail.includes('Switchyard is running.')) {
        this.banner = true;
        for (const w of this.bannerWaiters) w();
        this.bannerWaiters = [];
      }
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((done) =>
      this.child.once('exit', (code, signal) => {
        this.exitInfo = { code, signal };
        LIVE.delete(this);
        this.log.end();
        done({ code, signal });
      }),
    );
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** The last lines it printed, for error messages. */
  output(): string {
    return this.tail;
  }

  /** Resolves when the process printed its start-up banner; rejects if it exits or takes too long. */
  async ready(timeoutMs = 180_000): Promise<void> {
    if (this.banner) return;
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        new Promise<void>((done) => this.bannerWaiters.push(done)),
        this.exited.then((e) => {
          throw new Error(
            `${this.opts.name} exited during start-up (code ${e.code}, signal ${e.signal}):\n${this.tail}`,
          );
        }),
        new Promise((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new Error(`${this.opts.name} did not start within ${timeoutMs / 1000} s:\n${this.tail}`),
              ),
            timeoutMs,
          );
        }),
      ]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** kill -9 of the process and its group (a crashed container): no clean-up of any kind. */
  kill9(): void {
    if (this.alive) this.child.kill('SIGKILL');
    killGroup(this.pid);
  }

  /** SIGTERM (graceful: drains the worker, stops the dev server), then SIGKILL to the whole group. */
  async stop(graceMs = 20_000): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGTERM');
      const done = await Promise.race([this.exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!done) this.child.kill('SIGKILL');
      await this.exited;
    }
    killGroup(this.pid);
  }
}

function killGroup(pid: number): void {
  if (pid <= 0) return;
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* the group is gone */
  }
}

const LIVE = new Set<SwitchyardProcess>();
const cleanups = new Set<() => Promise<void>>();
/** Other children (a dev server started in this process) killed hard if this process exits. */
const EXTRA = new Set<ChildProcess>();

/** Kills `child` with SIGKILL if this process exits before it does. */
export function killOnExit(child: ChildProcess): void {
  EXTRA.add(child);
  child.once('exit', () => EXTRA.delete(child));
}

/** Registers a clean-up that runs on SIGINT/SIGTERM or a fatal error (stop servers, drop databases). */
export function onCleanup(fn: () => Promise<void>): () => void {
  cleanups.add(fn);
  return () => cleanups.delete(fn);
}

let installed = false;
/** Whatever happens to this process, the processes it started do not outlive it. */
export function installExitHandlers(): void {
  if (installed) return;
  installed = true;
  const hard = () => {
    for (const p of LIVE) {
      p.child.kill('SIGKILL');
      killGroup(p.pid);
    }
    for (const c of EXTRA) c.kill('SIGKILL');
  };
  process.on('exit', hard);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      hard();
      process.exit(130);
    }
    stopping = true;
    process.stderr.write(`\n${signal}: stopping everything this run started…\n`);
    void runCleanups().finally(() => process.exit(130));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

export async function runCleanups(): Promise<void> {
  const list = [...cleanups].reverse();
  cleanups.clear();
  for (const fn of list) {
    try {
      await fn();
    } catch (err) {
      process.stderr.write(`clean-up failed: ${(err as Error).message}\n`);
    }
  }
  await Promise.all([...LIVE].map((p) => p.stop(5000)));
}

/** Resident memory of one process, in bytes: the current value and the kernel's high-water mark. */
export function readRss(pid: number): { rss: number; hwm: number } | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? 0);
    return { rss: kb('VmRSS') * 1024, hwm: kb('VmHWM') * 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds (user + system) a process has used so far; null when it is gone. */
export function readCpuSeconds(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return null;
  }
}
const CLOCK_TICKS = 100; // USER_HZ on Linux

/**
 * Peak resident memory per named process: VmHWM (the kernel's own peak) read every `everyMs`,
 * so a process that is restarted (drills) keeps the highest peak of all its incarnations.
 */
export class RssSampler {
  private readonly pids = new Map<string, () => number | undefined>();
  readonly peak = new Map<string, number>();
  /** Highest VmRSS seen since the last `resetWindow()` (e.g. during the measured run only). */
  readonly windowPeak = new Map<string, number>();
  /** CPU seconds by name, accumulated over incarnations (pid → last reading). */
  private readonly cpuByPid = new Map<number, { name: string; seconds: number }>();
  private timer: NodeJS.Timeout | undefined;

  track(name: string, pid: () => number | undefined): void {
    this.pids.set(name, pid);
    this.sample();
  }

  sample(): void {
    for (const [name, pidOf] of this.pids) {
      const pid = pidOf();
      if (!pid || pid <= 0) continue;
      const r = readRss(pid);
      if (!r) continue;
      this.peak.set(name, Math.max(this.peak.get(name) ?? 0, r.hwm, r.rss));
      this.windowPeak.set(name, Math.max(this.windowPeak.get(name) ?? 0, r.rss));
      const cpu = readCpuSeconds(pid);
      if (cpu !== null) this.cpuByPid.set(pid, { name, seconds: cpu });
    }
  }

  resetWindow(): void {
    this.windowPeak.clear();
    this.sample();
  }

  /** CPU seconds used so far by each named process (all its incarnations). */
  cpu(): Record<string, number> {
    this.sample();
    const out: Record<string, number> = {};
    for (const { name, seconds } of this.cpuByPid.values()) out[name] = (out[name] ?? 0) + seconds;
    return out;
  }

  start(everyMs = 500): void {
    this.timer ??= setInterval(() => this.sample(), everyMs);
    this.timer.unref();
  }

  stop(): void {
    this.sample();
    clearInterval(this.timer);
    this.timer = undefined;
  }

  report(): Record<string, number> {
    return Object.fromEntries(this.peak);
  }
}

/** The pid in a pid file, if that process is alive. */
export function pidFromFile(path: string): number | undefined {
  try {
    const pid = Number(readFileSync(path, 'utf8').trim());
    if (!(pid > 0)) return undefined;
    process.kill(pid, 0);
    return pid;
  } catch {
    return undefined;
  }
}

/** Machine-wide CPU seconds: busy (user+nice+system+irq+softirq+steal), iowait and total, from /proc/stat. */
export function machineCpu(): { busy: number; iowait: number; total: number } {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
    const [user, nice, system, idle, iowait, irq, softirq, steal] = line
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number) as number[];
    const busy = user! + nice! + system! + irq! + softirq! + (steal ?? 0);
    return {
      busy: busy / CLOCK_TICKS,
      iowait: iowait! / CLOCK_TICKS,
      total: (busy + idle! + iowait!) / CLOCK_TICKS,
    };
  } catch {
    return { busy: NaN, iowait: NaN, total: NaN };
  }
}

export interface CpuWindow {
  seconds: number;
  /** CPU seconds per named process during the window. */
  processes: Record<string, number>;
  /** Busy CPU seconds of everything else on the machine (tests running beside the bench, the kernel). */
  others: number;
  iowait: number;
  /** Cores' worth of CPU available in the window (nproc × seconds). */
  capacity: number;
}

/** Starts a CPU accounting window; the returned function closes it. */
export function cpuWindow(sampler: RssSampler, nproc: number): () => CpuWindow {
  const t0 = performance.now();
  const p0 = sampler.cpu();
  const m0 = machineCpu();
  return () => {
    const p1 = sampler.cpu();
    const m1 = machineCpu();
    const processes: Record<string, number> = {};
    for (const [k, v] of Object.entries(p1)) processes[k] = Math.max(0, v - (p0[k] ?? 0));
    const ours = Object.values(processes).reduce((a, b) => a + b, 0);
    const seconds = (performance.now() - t0) / 1000;
    return {
      seconds,
      processes,
      others: Math.max(0, m1.busy - m0.busy - ours),
      iowait: m1.iowait - m0.iowait,
      capacity: nproc * seconds,
    };
  };
}

/** Runs a bench entry point: its exit code, every clean-up run whatever happens, then exit. */
export async function runMain(name: string, main: () => Promise<number>): Promise<never> {
  let code = 1;
  try {
    code = await main();
  } catch (err) {
    process.stderr.write(`\n${name} failed: ${(err as Error).stack ?? String(err)}\n`);
    code = 1;
  } finally {
    await runCleanups();
  }
  process.exit(code);
}

/**
 * Free loopback ports for an all-in-one `npm start` (API, embedded Temporal and its Web UI), as
 * the variables that give them to it.
 */
export async function allInOnePorts(
  freePort: () => Promise<number>,
): Promise<{ port: number; env: Record<string, string> }> {
  const [port, temporal, ui] = [await freePort(), await freePort(), await freePort()];
  return {
    port,
    env: {
      HOST: '127.0.0.1',
      PORT: String(port),
      TEMPORAL_PORT: String(temporal),
      TEMPORAL_UI_PORT: String(ui),
    },
  };
}
