#!/usr/bin/env node
// Installs schemathesis (the schema-driven API fuzzer behind `npm run fuzz`) from PyPI into the
// git-ignored .tools/schemathesis, the way setup-temporal.mjs installs the Temporal wheels: pinned
// exactly (schemathesis and everything it pulls in), staged and swapped in whole, and skipped when
// the stamp says the same pins and the same Python are already there. Python packages are built for
// one interpreter, so the stamp records it and a different python3 triggers a reinstall.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync, rmSync, renameSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SCHEMATHESIS_VERSION = '4.32.5';
// The resolution of schemathesis==4.32.5 on CPython 3.11 (pip freeze of a clean install). Pinned so
// that a new hypothesis or jsonschema-rs release cannot change what CI generates or checks. An older
// Python may add a backport (tomli, exceptiongroup) that pip resolves on its own.
export const PINS = {
  schemathesis: SCHEMATHESIS_VERSION,
  anyio: '4.16.0',
  certifi: '2026.10.19.post1',
  'charset-normalizer': '3.5.3',
  click: '8.5.1',
  'graphql-core': '3.3.2',
  harfile: '0.6.0',
  hypothesis: '6.170.17',
  'hypothesis-graphql': '0.13.5',
  idna: '3.20',
  iniconfig: '2.3.1',
  'jsonschema-rs': '0.60.3',
  'markdown-it-py': '4.3.0',
  markupsafe: '3.0.4',
  mdurl: '0.1.2',
  packaging: '26.4',
  pluggy: '1.7.0',
  pygments: '2.21.0',
  'pyrate-limiter': '4.5.1',
  pytest: '9.2.0',
  pyyaml: '6.0.4',
  requests: '2.34.2',
  rich: '15.0.0',
  sortedcontainers: '2.4.0',
  'typing-extensions': '4.16.0',
  urllib3: '2.8.0',
  werkzeug: '3.1.9',
};

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
// SWITCHYARD_SCHEMATHESIS_DIR: another folder (the tests use a scratch one).
export const SCHEMATHESIS_DIR = process.env.SWITCHYARD_SCHEMATHESIS_DIR
  ? resolve(process.env.SWITCHYARD_SCHEMATHESIS_DIR)
  : join(root, '.tools', 'schemathesis');
const stamp = join(SCHEMATHESIS_DIR, 'versions.json');

function log(msg) {
  process.stdout.write(`[setup-schemathesis] ${msg}\n`);
}

function fail(msg) {
  process.stderr.write(`[setup-schemathesis] ERROR: ${msg}\n`);
  process.exit(1);
}

/** The installed tool: the interpreter it was installed for, or undefined when it is not current. */
export function installedSchemathesis() {
  try {
    const s = JSON.parse(readFileSync(stamp, 'utf8'));
    if (JSON.stringify(s.pins) !== JSON.stringify(PINS)) return undefined;
    const now = spawnSync(s.python, ['-c', 'import sys; print(sys.version)'], { encoding: 'utf8' });
    if (now.status !== 0 || now.stdout.trim() !== s.pythonVersion) return undefined;
    return { python: s.python, dir: SCHEMATHESIS_DIR };
  } catch {
    return undefined;
  }
}

function findPython() {
  for (const cmd of ['python3', 'python']) {
    const r = spawnSync(cmd, ['-c', 'import sys; print(sys.executable); print(sys.version)'], {
      encoding: 'utf8',
    });
    if (r.status === 0) {
      const [executable, version] = r.stdout.trim().split('\n');
      return { executable, version };
    }
  }
  return undefined;
}

function install() {
  const current = installedSchemathesis();
  if (current) {
    log(`schemathesis ${SCHEMATHESIS_VERSION} already in ${SCHEMATHESIS_DIR}`);
    return;
  }
  const python = findPython();
  if (!python)
    fail('python3 is required to install schemathesis from PyPI (apt-get install python3 python3-pip).');
  if (spawnSync(python.executable, ['-m', 'pip', '--version'], { stdio: 'ignore' }).status !== 0) {
    fail(`pip is missing for ${python.executable} (apt-get install python3-pip).`);
  }
  // Staged, then swapped in: an interrupted install never leaves a folder that looks complete.
  const staging = `${SCHEMATHESIS_DIR}.staging`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(dirname(SCHEMATHESIS_DIR), { recursive: true });
  const specs = Object.entries(PINS).map(([name, version]) => `${name}==${version}`);
  log(
    `installing schemathesis ${SCHEMATHESIS_VERSION} and ${specs.length - 1} pinned dependencies (about 20 MB download) ...`,
  );
  const res = spawnSync(
    python.executable,
    [
      '-m',
      'pip',
      'install',
      '--disable-pip-version-check',
      '--root-user-action=ignore',
      '--no-input',
      '--target',
      staging,
      ...specs,
    ],
    { stdio: 'inherit' },
  );
  if (res.status !== 0) fail(`pip install failed (exit ${res.status}); see the output above`);
  const check = spawnSync(
    python.executable,
    ['-c', 'import schemathesis.cli, importlib.metadata as m; print(m.version("schemathesis"))'],
    { encoding: 'utf8', env: { ...process.env, PYTHONPATH: staging } },
  );
  if (check.status !== 0 || check.stdout.trim() !== SCHEMATHESIS_VERSION) {
    fail(`the installed schemathesis does not import: ${check.stderr || check.stdout}`);
  }
  writeFileSync(
    join(staging, 'versions.json'),
    JSON.stringify({ pins: PINS, python: python.executable, pythonVersion: python.version }),
  );
  rmSync(SCHEMATHESIS_DIR, { recursive: true, force: true });
  renameSync(staging, SCHEMATHESIS_DIR);
  log(`installed schemathesis ${SCHEMATHESIS_VERSION} into ${SCHEMATHESIS_DIR} for ${python.executable}`);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) install();
