import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The project folder (the one holding package.json), found by walking up from this code's own
 * file: `src/` under tsx and vitest, `dist/` (or a build's out dir) when compiled by
 * `npm run build`, which bundles this module into each entry point. Paths relative to
 * `import.meta.url` would differ between the two layouts; this does not.
 */
export function findProjectRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${from}`);
    dir = parent;
  }
}

export const PROJECT_ROOT = findProjectRoot();
