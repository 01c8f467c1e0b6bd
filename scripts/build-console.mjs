#!/usr/bin/env node
// Builds the operator console (console/ → console/dist/, served by the API at /console) with Vite.
// Runs from `npm install` (postinstall) and `npm run build:console`. An install without the
// development dependencies (`npm ci --omit=dev`, the Docker image's runtime layer) has no Vite:
// there the console is skipped with a note, and the API answers /console with how to build it.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const consoleDir = join(root, 'console');

if (!existsSync(join(consoleDir, 'index.html'))) {
  process.stdout.write('[build-console] no console/ sources here: skipped\n');
  process.exit(0);
}
try {
  createRequire(join(root, 'package.json')).resolve('vite');
} catch {
  process.stdout.write(
    '[build-console] Vite is not installed (an install without dev dependencies): console skipped\n',
  );
  process.exit(0);
}

const started = Date.now();
try {
  const { build } = await import('vite');
  await build({ configFile: join(consoleDir, 'vite.config.ts'), logLevel: 'warn' });
} catch (err) {
  process.stderr.write(`[build-console] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
}
process.stdout.write(
  `[build-console] console/dist/ built in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
);
