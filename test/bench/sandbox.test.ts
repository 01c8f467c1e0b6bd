import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));

// `npm run bench:sandbox` at its smallest: both settings measured in their own process, the
// recorded delivery replayed through the SDK's workflow thread (a replay error fails the run).
describe('the workflow sandbox bench', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-sandbox-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('replays the recorded delivery with stack traces off and on, and reports CPU per workflow', () => {
    const json = join(dir, 'sandbox.json');
    const out = spawnSync(
      process.execPath,
      ['--import', 'tsx', 'bench/sandbox.ts', '--workflows', '20', '--rounds', '1', '--json', json],
      { cwd: root, encoding: 'utf8', timeout: 180_000 },
    );
    expect(out.status, out.stdout + out.stderr).toBe(0);
    const result = JSON.parse(readFileSync(json, 'utf8')) as {
      runs: Array<{ stackTraces: boolean; workflows: number; cpuMsPerWorkflow: number }>;
      summary: Record<'off' | 'on', { cpuMsPerWorkflow: number }>;
    };
    expect(result.runs.map((r) => [r.stackTraces, r.workflows])).toEqual([
      [false, 20],
      [true, 20],
    ]);
    for (const r of result.runs) expect(r.cpuMsPerWorkflow).toBeGreaterThan(0);
    expect(result.summary.off.cpuMsPerWorkflow).toBe(result.runs[0]?.cpuMsPerWorkflow);
    expect(out.stdout).toMatch(/CPU ms per workflow, mean \(median\): stack traces off [\d.]+/);
  });
});
