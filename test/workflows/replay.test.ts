import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from '@temporalio/worker';
import { beforeAll, describe, it } from 'vitest';
import { installRuntime, workflowBundle } from '../../src/worker';

const dir = fileURLToPath(new URL('./histories/', import.meta.url));

// Histories recorded (`temporal workflow show --output json`) by the code from before the attempt,
// the retry bookkeeping and the fan-out became local activities: a delivery sleeping out a countdown
// and a fan-out half done when a deployment upgrades must carry on, not fail with a nondeterminism
// error. The `patched()` gates in deliverWebhook and dispatchEvent keep them on their old path.
describe('histories recorded by earlier workflow code replay without a nondeterminism error', () => {
  beforeAll(() => installRuntime('warn'));

  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json'))) {
    it(file, async () => {
      const history: unknown = JSON.parse(readFileSync(`${dir}${file}`, 'utf8'));
      await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, `replay:${file}`);
    });
  }
});
