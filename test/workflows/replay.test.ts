import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, expect, it } from 'vitest';
import { installRuntime, workflowBundle } from '../../src/worker';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

// Histories recorded by scripts/record-histories.ts. A change to the workflows that would break runs
// in flight at a deployment fails here with a nondeterminism error: gate it with patched() instead.
const recorded = {
  // A fan-out to two webhooks, one delivered at once, one after a failed attempt and a countdown.
  'dispatchEvent.json': 'dispatchEvent',
  'deliverWebhook-delivered.json': 'deliverWebhook',
  'deliverWebhook-retried.json': 'deliverWebhook',
  // Webhooks with a delay, started with it as the start's startDelay (no timer in the workflow): one
  // waiting it out and delivered; one whose delay a retryNow ended, failing once, then delivered.
  'deliverWebhook-delayed.json': 'deliverWebhook',
  'deliverWebhook-delayed-retried-now.json': 'deliverWebhook',
  // A manual job run: a failed attempt, the backoff timer, a successful attempt.
  'runJob-retried.json': 'runJob',
  // A stable recurring job across two channels, one run succeeding and one failing.
  'recurringJob.json': 'recurringJob',
  // Two webhooks coalesced into one run, a third queued as a second run; each success signals the
  // channel's watchdog.
  'webhookJob.json': 'webhookJob',
  // A watchdog firing an emergency run, re-armed by two successes, reconfigured, continuing as new;
  // then the continued run (started from the carried-over deadline), reconfigured and stopped.
  'emergencyWatchdog-1.json': 'emergencyWatchdog',
  'emergencyWatchdog-2-continued.json': 'emergencyWatchdog',
};

interface JsonHistory {
  events: Array<{ workflowExecutionStartedEventAttributes?: { workflowType?: { name?: string } } }>;
}

describe('recorded histories replay on the current workflow code without a nondeterminism error', () => {
  beforeAll(() => installRuntime('warn'));

  it('every recorded history is listed here, and every listed one is recorded', () => {
    expect(
      readdirSync(dir)
        .filter((f) => f.endsWith('.json'))
        .sort(),
    ).toEqual(Object.keys(recorded).sort());
  });

  for (const [file, workflowType] of Object.entries(recorded)) {
    it(file, async () => {
      const history = JSON.parse(readFileSync(`${dir}${file}`, 'utf8')) as JsonHistory;
      expect(history.events[0]?.workflowExecutionStartedEventAttributes?.workflowType?.name).toBe(
        workflowType,
      );
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay:${file}`);
    });
  }
});

// The same histories as a worker started by package.json's scripts replays them: in the SDK's
// workflow thread (debugMode false), with src/worker/workflowThread.cjs preloaded and workflow stack
// traces off, so the SDK's stack-trace hook is refused there while Node's AsyncLocalStorage (the
// cancellation scopes of condition(), sleep() and the rest) keeps its own promise hooks.
describe('recorded histories replay in the workflow thread with stack traces off (the preload)', () => {
  it('replays every recorded history without an error', () => {
    const root = fileURLToPath(new URL('../..', import.meta.url));
    const script = `
      const { Worker } = await import('@temporalio/worker');
      const { installRuntime, workflowBundle } = await import(${JSON.stringify(pathToFileURL(`${root}src/worker/index.ts`).href)});
      installRuntime('warn');
      const files = ${JSON.stringify(Object.keys(recorded))};
      const { readFileSync } = await import('node:fs');
      const histories = files.map((f) => ({ workflowId: f, history: JSON.parse(readFileSync(${JSON.stringify(dir)} + f, 'utf8')) }));
      const options = { workflowBundle: await workflowBundle(), debugMode: false };
      const failed = [];
      for await (const r of Worker.runReplayHistories(options, histories)) if (r.error) failed.push(r.workflowId + ': ' + r.error.message);
      console.log(JSON.stringify({ replayed: histories.length, failed }));
      process.exit(0);
    `;
    // A file inside the project, not --input-type with -e: worker threads inherit the process's
    // flags, and the workflow thread has no string to evaluate.
    mkdirSync(join(root, '.test-data'), { recursive: true });
    const scratch = mkdtempSync(join(root, '.test-data', 'replay-'));
    const file = join(scratch, 'replay.mjs');
    writeFileSync(file, script);
    const out = spawnSync(
      process.execPath,
      ['--require', `${root}src/worker/workflowThread.cjs`, '--import', 'tsx', file],
      {
        cwd: root,
        env: { ...process.env, SWITCHYARD_WORKFLOW_STACK_TRACES: 'false' },
        encoding: 'utf8',
        timeout: 120_000,
      },
    );
    rmSync(scratch, { recursive: true, force: true });
    expect(out.status, out.stdout + out.stderr).toBe(0);
    expect(JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '{}')).toEqual({
      replayed: Object.keys(recorded).length,
      failed: [],
    });
  });
});
