// purgeRetention on the fake workflow runtime with a mocked purgeExpired: the cutoff from the
// workflow clock, the steps in order with one cutoff, the counts summed, answered and logged.
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { Activities } from '../../../src/activities';
import { RETENTION_BATCH_SIZE } from '../../../src/rules/retention';
import { RETENTION_STEPS, type PurgeStepInput } from '../../../src/workflows/retention/contract';
import { purgeRetention } from '../../../src/workflows/retention/purgeRetention';
import { WorkflowHarness } from '../../support/workflowHarness';

vi.mock('@temporalio/workflow', async (importOriginal) =>
  (await import('../../support/workflowHarness')).workflowModuleMock(await importOriginal()),
);

const D = 86_400_000;
const START = Date.parse('2026-06-01T03:00:00.000Z');

let h: WorkflowHarness;
afterEach(() => h?.dispose());

/** A purgeExpired that deletes `perStep` rows of the step's own kind (deliveries: with 2 attempts each). */
function setUp(perStep = 3) {
  const purgeExpired = vi.fn<Activities['purgeExpired']>(async (input: PurgeStepInput) => ({
    deliveries: 0,
    attempts: input.step === 'deliveries' ? 2 * perStep : 0,
    events: 0,
    orderingKeys: 0,
    jobRuns: 0,
    notifications: 0,
    [input.step]: perStep,
  }));
  h = new WorkflowHarness({ activities: { purgeExpired }, startMs: START });
  return purgeExpired;
}

describe('purgeRetention', () => {
  it('runs every step in order with one cutoff, retention before the run started, and answers the counts', async () => {
    const purgeExpired = setUp();
    await h.start(purgeRetention, { retentionMs: 30 * D });
    const cutoff = '2026-05-02T03:00:00.000Z';
    const expected = { deliveries: 3, attempts: 6, events: 3, orderingKeys: 3, jobRuns: 3, notifications: 3 };
    expect(await h.runToEnd()).toEqual({ status: 'completed', result: { cutoff, ...expected } });
    expect(purgeExpired.mock.calls.map(([input]) => input)).toEqual(
      RETENTION_STEPS.map((step) => ({ step, cutoff, batchSize: RETENTION_BATCH_SIZE })),
    );
    // Deliveries before the events they belong to, events before their keys' counters.
    expect(RETENTION_STEPS.indexOf('deliveries')).toBeLessThan(RETENTION_STEPS.indexOf('events'));
    expect(RETENTION_STEPS.indexOf('events')).toBeLessThan(RETENTION_STEPS.indexOf('orderingKeys'));
    expect(h.logs).toContainEqual({
      level: 'info',
      message: 'retention purge done',
      attrs: { cutoff, ...expected },
    });
  });

  it('passes a batch size on', async () => {
    const purgeExpired = setUp(0);
    await h.start(purgeRetention, { retentionMs: 1_000, batchSize: 7 });
    const outcome = await h.runToEnd();
    expect(outcome).toMatchObject({
      status: 'completed',
      result: { cutoff: new Date(START - 1_000).toISOString() },
    });
    expect(purgeExpired.mock.calls.every(([input]) => input.batchSize === 7)).toBe(true);
  });

  it.each([
    [{ retentionMs: 999 }],
    [{ retentionMs: Number.NaN }],
    [{ retentionMs: 1_000, batchSize: 0 }],
    [{ retentionMs: 1_000, batchSize: 2.5 }],
  ])('fails at once, purging nothing, for %j', async (input) => {
    const purgeExpired = setUp();
    await h.start(purgeRetention, input);
    const outcome = await h.runToEnd();
    expect(outcome.status).toBe('failed');
    const error = (outcome as { error: ApplicationFailure }).error;
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'InvalidRetention', nonRetryable: true });
    expect(purgeExpired).not.toHaveBeenCalled();
  });
});
