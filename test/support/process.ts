import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { scriptCommand, type ScriptCommand, type SpawnOptions } from '../../bench/lib/procs';

export const repoRoot = fileURLToPath(new URL('../..', import.meta.url));

export interface Proc {
  child: ChildProcess;
  output(): string;
  waitForOutput(text: string | RegExp, timeoutMs?: number): Promise<void>;
  exited: Promise<number | null>;
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<number | null>;
}

/** Runs one of the project's start scripts as npm does (its env, node flags and entry), capturing output. */
export function runScript(script: SpawnOptions['script'], env: Record<string, string>): Proc {
  return runNode(scriptCommand(script), env);
}

/** Runs node with a script's env and args (e.g. a compiled entry point), capturing output. */
export function runNode(command: ScriptCommand, env: Record<string, string>, cwd = repoRoot): Proc {
  const child = spawn(process.execPath, command.args, {
    cwd,
    env: { ...process.env, ...command.env, LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const listeners: Array<() => void> = [];
  const onData = (chunk: Buffer) => {
    out += chunk.toString();
    for (const l of listeners) l();
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output: () => out,
    exited,
    waitForOutput(text, timeoutMs = 120_000) {
      const seen = () => (typeof text === 'string' ? out.includes(text) : text.test(out));
      if (seen()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${String(text)}; output:\n${out}`)),
          timeoutMs,
        );
        const check = () => {
          if (seen()) {
            clearTimeout(timer);
            resolve();
          }
        };
        listeners.push(check);
        void exited.then((code) => {
          if (!seen()) {
            clearTimeout(timer);
            reject(new Error(`process exited (${code}) before printing ${String(text)}; output:\n${out}`));
          }
        });
      });
    },
    async stop(signal = 'SIGTERM', timeoutMs = 30_000) {
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill(signal);
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

/** Processes whose command line mentions `needle` (e.g. a test's data dir). */
export function processesMatching(needle: string): string[] {
  try {
    return execFileSync('pgrep', ['-af', needle], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => l.trim() && !l.includes('pgrep'));
  } catch {
    return []; // pgrep exits 1 when nothing matches
  }
}
