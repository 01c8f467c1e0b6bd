#!/usr/bin/env node
// `npm run build`: the compiled form production runs (`npm run start:prod*`, the Docker image).
//
//   dist/main.js            all-in-one (`npm start` compiled)       ← src/bin/all.ts
//   dist/api.js             the API alone (`npm run start:api`)     ← src/bin/api.ts
//   dist/worker.js          the worker alone (`npm run start:worker`) ← src/bin/worker.ts
//   dist/*.js.map           their source maps (node --enable-source-maps maps stacks to src/)
//   dist/workflow-bundle.js the Temporal workflow bundle, prebuilt from src/workflows/index.ts;
//                           the worker loads it (src/worker/index.ts) instead of running webpack
//   dist/workflow-thread.cjs src/worker/workflowThread.cjs as it is, for `node --require` (it
//                           must run in the SDK's workflow thread before the SDK does)
//
// esbuild bundles our TypeScript only: npm packages stay external imports, resolved from
// node_modules at run time, so the runtime needs the production dependencies and nothing else.
// The entry points sit side by side in one folder, because the worker finds the workflow bundle
// next to its own file and src/projectRoot.ts walks up from it to package.json.
//
// Out dir: `--outdir DIR` (or `--outdir=DIR`), else $SWITCHYARD_BUILD_OUTDIR, else dist/. It is
// emptied first. It must lie inside the project (node_modules and package.json are found upwards).
import { copyFileSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export const ENTRY_POINTS = {
  main: 'src/bin/all.ts',
  api: 'src/bin/api.ts',
  worker: 'src/bin/worker.ts',
};
/** Must match WORKFLOW_BUNDLE_FILE in src/worker/index.ts. */
export const WORKFLOW_BUNDLE_FILE = 'workflow-bundle.js';
/** The preload every worker-running start script names with --require (package.json). */
export const WORKFLOW_THREAD_PRELOAD = 'workflow-thread.cjs';

function outDirFromArgs(argv) {
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--outdir') return argv[i + 1];
    if (argv[i].startsWith('--outdir=')) return argv[i].slice('--outdir='.length);
  }
  return process.env.SWITCHYARD_BUILD_OUTDIR || 'dist';
}

/** Builds into `outDirArg` (relative to the project); returns a size-and-time summary. */
export async function buildAll(outDirArg) {
  const { build } = await import('esbuild');
  const { DefaultLogger, bundleWorkflowCode } = await import('@temporalio/worker');
  const outdir = resolve(root, outDirArg);
  const inside = relative(root, outdir);
  if (!inside || inside.startsWith('..') || isAbsolute(inside) || inside.split(/[\\/]/)[0] === 'src') {
    throw new Error(`the out dir must be a folder inside ${root} (not src/): ${outdir}`);
  }

  const started = Date.now();
  rmSync(outdir, { recursive: true, force: true });
  mkdirSync(outdir, { recursive: true });

  const result = await build({
    absWorkingDir: root,
    entryPoints: Object.entries(ENTRY_POINTS).map(([out, entry]) => ({ in: entry, out })),
    outdir,
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'esm',
    packages: 'external',
    sourcemap: true,
    // Stacks in logs keep their function names.
    keepNames: true,
    metafile: true,
    logLevel: 'warning',
  });
  const compiledAt = Date.now();

  // Temporal's production advice: bundle the workflows at build time and hand the worker the file.
  const { code } = await bundleWorkflowCode({
    workflowsPath: join(root, 'src', 'workflows', 'index.ts'),
    logger: new DefaultLogger('WARN'),
  });
  writeFileSync(join(outdir, WORKFLOW_BUNDLE_FILE), code);
  copyFileSync(join(root, 'src', 'worker', 'workflowThread.cjs'), join(outdir, WORKFLOW_THREAD_PRELOAD));

  const kib = (bytes) => `${(bytes / 1024).toFixed(0)} KiB`;
  const lines = Object.keys(result.metafile.outputs)
    .map((file) => resolve(root, file))
    .concat(join(outdir, WORKFLOW_BUNDLE_FILE), join(outdir, WORKFLOW_THREAD_PRELOAD))
    .sort()
    .map((file) => `  ${relative(root, file).padEnd(32)} ${kib(statSync(file).size).padStart(9)}`);
  return (
    `build: ${relative(root, outdir)}/ in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
    `(esbuild ${compiledAt - started} ms, workflow bundle ${Date.now() - compiledAt} ms)\n` +
    lines.join('\n') +
    '\n'
  );
}

// Run as a script (not imported, as test/compose.test.ts does for the names above).
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    process.stdout.write(await buildAll(outDirFromArgs(process.argv.slice(2))));
  } catch (err) {
    process.stderr.write(`build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  }
}
