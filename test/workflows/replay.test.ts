import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
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
