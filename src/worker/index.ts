import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { NativeConnection } from '@temporalio/worker';
import {
  DefaultLogger,
  Runtime,
  Worker,
  bundleWorkflowCode,
  type WorkflowBundle,
  type WorkflowBundleOption,
} from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../activities';
import { TASK_QUEUE } from '../constants';
import type { Logger } from '../logger';

export const workflowsPath = fileURLToPath(new URL('../workflows/index.ts', import.meta.url));

/** The file `npm run build` writes the workflow bundle to, next to the compiled entry points. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';
// Compiled (dist/*.js), this module's URL is the entry point's, in the same folder as the bundle.
// Under tsx and vitest it is src/worker/index.ts, where no bundle is ever written.
const prebuiltBundlePath = fileURLToPath(new URL(`./${WORKFLOW_BUNDLE_FILE}`, import.meta.url));
const compiled = !import.meta.url.endsWith('.ts');

let runtimeInstalled = false;
/** Runtime.install may run once per process, before any connection. */
export function installRuntime(level: string): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  const temporalLevel = level === 'debug' || level === 'trace' ? 'INFO' : 'WARN';
  Runtime.install({ logger: new DefaultLogger(temporalLevel) });
}

// Bundling loads webpack, which stays resident after the bundle is built (about 85 MiB of RSS
// after GC, 120 MiB at the peak, measured): a short-lived child process builds the bundle instead,
// and this process only keeps the code. In-process bundling remains the fallback.
const BUNDLE_SCRIPT = `
const { bundleWorkflowCode, DefaultLogger } = await import(process.argv[1]);
const { code } = await bundleWorkflowCode({ workflowsPath: process.argv[2], logger: new DefaultLogger('WARN') });
process.stdout.write(code);
`;

function bundleInChildProcess(): Promise<WorkflowBundle> {
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      ['--input-type=module', '-e', BUNDLE_SCRIPT, import.meta.resolve('@temporalio/worker'), workflowsPath],
      { maxBuffer: 256 * 1024 * 1024, encoding: 'utf8', timeout: 300_000 },
      (err, stdout, stderr) => {
        if (err || !stdout.includes('__TEMPORAL__')) {
          reject(
            new Error(`bundling the workflows in a child process failed: ${err?.message ?? ''} ${stderr}`),
          );
        } else resolve({ code: stdout });
      },
    );
  });
}

let bundle: Promise<WorkflowBundleOption> | undefined;
/**
 * Compiled: the bundle `npm run build` wrote (Temporal's advice for production: no webpack at
 * start-up). From source: bundled from src/workflows, once per process since it takes seconds.
 */
export function workflowBundle(): Promise<WorkflowBundleOption> {
  if (existsSync(prebuiltBundlePath)) return Promise.resolve({ codePath: prebuiltBundlePath });
  if (compiled) {
    // The TypeScript sources are not next to compiled code: bundling them cannot work here.
    return Promise.reject(
      new Error(`${prebuiltBundlePath} is missing: run \`npm run build\` to write the workflow bundle`),
    );
  }
  bundle ??= bundleInChildProcess().catch(() =>
    bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') }),
  );
  return bundle;
}

/**
 * Whether the SDK's workflow thread collects stack traces for the Web UI, as the preload
 * (`node --require …/workflowThread.cjs`) set it up from SWITCHYARD_WORKFLOW_STACK_TRACES; without
 * the preload the SDK's default (on) stays.
 */
export type WorkflowStackTraces = { kind: 'on' } | { kind: 'off' } | { kind: 'not-preloaded' };

export function workflowStackTraces(): WorkflowStackTraces {
  const marker = (globalThis as Record<symbol, { stackTraces: boolean } | undefined>)[
    Symbol.for('switchyard.workflowThreadPreload')
  ];
  if (!marker) return { kind: 'not-preloaded' };
  return marker.stackTraces ? { kind: 'on' } : { kind: 'off' };
}

/** One line at start-up saying which it is, and a warning when the setting cannot take effect. */
export function reportStackTraces(traces: WorkflowStackTraces, wanted: boolean, logger: Logger): void {
  if (traces.kind === 'not-preloaded') {
    if (!wanted) {
      logger.warn(
        'workflow stack traces stay on (1–4 ms of CPU per workflow): start node with ' +
          '--require src/worker/workflowThread.cjs (dist/workflow-thread.cjs compiled) as npm start does',
      );
    }
    return;
  }
  logger.info(
    traces.kind === 'on'
      ? 'workflow stack traces on: the Web UI shows them (1–4 ms of CPU per workflow)'
      : 'workflow stack traces off (SWITCHYARD_WORKFLOW_STACK_TRACES=true shows them in the Web UI)',
  );
}

export interface WorkerOptions {
  connection: NativeConnection;
  namespace: string;
  deps: ActivityDeps;
  taskQueue?: string;
}

/**
 * Worker tuning, measured with `npm run bench` (BENCHMARKS.md). A delivery attempt and the fan-out
 * run as local activities inside the workflow task, so nearly every workflow task is the first
 * task of a new workflow and arrives on the normal (non-sticky) queue: most pollers go there. A
 * local activity keeps its workflow task slot while it runs, so the slots bound the attempts in
 * flight. The cache is bounded so that many deliveries sleeping between retries cannot grow the
 * process without limit (an evicted one is replayed from its short history when it wakes).
 */
export const WORKER_TUNING = {
  maxConcurrentWorkflowTaskExecutions: 100,
  maxConcurrentWorkflowTaskPolls: 20,
  nonStickyToStickyPollRatio: 0.8,
  maxConcurrentLocalActivityExecutions: 100,
  maxConcurrentActivityTaskExecutions: 100,
  maxCachedWorkflows: 500,
} as const;

export async function createWorker(opts: WorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue ?? TASK_QUEUE,
    workflowBundle: await workflowBundle(),
    activities: createActivities(opts.deps),
    shutdownGraceTime: '10s',
    ...WORKER_TUNING,
  });
}
