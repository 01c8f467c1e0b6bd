import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../support/process';
// @ts-expect-error -- a plain .mjs script without types
import { PINS } from '../../scripts/setup-schemathesis.mjs';

const script = join(repoRoot, 'scripts/setup-schemathesis.mjs');
const scratch = mkdtempSync(join(tmpdir(), 'setup-schemathesis-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

function run(env: Record<string, string>) {
  const res = spawnSync(process.execPath, [script], { env: { ...process.env, ...env }, encoding: 'utf8' });
  return { code: res.status, out: `${res.stdout}${res.stderr}` };
}

describe('scripts/setup-schemathesis.mjs', () => {
  // A stand-in interpreter: the stamp ties the install to the Python it was made for.
  const fakePython = join(scratch, 'python3');
  writeFileSync(fakePython, '#!/bin/sh\necho "3.11.7 (fake)"\n');
  chmodSync(fakePython, 0o755);
  /** A tools folder whose stamp says it was installed with the pinned versions for `pythonVersion`. */
  const stamped = (name: string, pythonVersion: string) => {
    const dir = join(scratch, name);
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'versions.json'),
      JSON.stringify({ pins: PINS, python: fakePython, pythonVersion }),
    );
    return dir;
  };

  it('skips the install when the stamp names the same pins and the same Python', () => {
    const dir = stamped('present', '3.11.7 (fake)');
    const res = run({ SWITCHYARD_SCHEMATHESIS_DIR: dir, PATH: '/nonexistent' });
    expect(res).toMatchObject({ code: 0 });
    expect(res.out).toContain('already in');
  });

  it('reinstalls when the Python changed, and says so clearly when there is none', () => {
    const dir = stamped('other-python', '3.9.0');
    const bin = join(scratch, 'bin-without-python');
    mkdirSync(bin, { recursive: true });
    symlinkSync(process.execPath, join(bin, 'node'));
    const res = run({ SWITCHYARD_SCHEMATHESIS_DIR: dir, PATH: bin });
    expect(res.code).toBe(1);
    expect(res.out).toMatch(/ERROR: python3 is required to install schemathesis/);
  });
});
