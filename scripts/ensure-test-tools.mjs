#!/usr/bin/env node
// `npm test` needs a Chromium for the /docs browser test (no browser is ever downloaded by npm
// here). On the project's machines Debian's package is the way; install it when we can.
import { existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
if (existsSync(chromium)) process.exit(0);

const canApt =
  process.getuid?.() === 0 && spawnSync('apt-get', ['--version'], { stdio: 'ignore' }).status === 0;
if (!canApt) {
  process.stderr.write(
    `[ensure-test-tools] Chromium not found at ${chromium}. Install Debian's chromium package ` +
      '(apt-get install chromium) or set CHROMIUM_PATH to a Chromium binary.\n',
  );
  process.exit(1);
}
process.stdout.write(
  '[ensure-test-tools] installing Chromium from Debian packages (apt-get install chromium) ...\n',
);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [
  ['update', '-qq'],
  ['install', '-y', '-qq', 'chromium'],
]) {
  const res = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (res.status !== 0) {
    process.stderr.write(`[ensure-test-tools] apt-get ${args.join(' ')} failed (exit ${res.status})\n`);
    process.exit(1);
  }
}
process.stdout.write('[ensure-test-tools] Chromium installed\n');
