import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, it } from 'vitest';
import { installRuntime, workflowBundle } from '../../src/worker';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

// Histories recorded by scripts/record-histories.ts (a fan-out to two webhooks, one delivered at
// once, one after a failed attempt and a countdown). A change to the workflows that would break runs
// in flight at a deployment fails here with a nondeterminism error: gate it with patched() instead.
describe('recorded histories replay on the current workflow code without a nondeterminism error', () => {
  beforeAll(() => installRuntime('warn'));

  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    it(file, async () => {
      const history: unknown = JSON.parse(readFileSync(`${dir}${file}`, 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay:${file}`);
    });
  }
});
