import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { temporalCliPath, temporalTestServerPath } from '../../src/temporal/binaries';
import { testDatabaseKinds, adminDatabaseUrl } from './db';

const CONSOLE = join(import.meta.dirname, '..', '..', 'console');

/** The newest modification time under `dir` (skipping dist/). */
function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist') continue;
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * The console's browser tests run against console/dist, which `npm install` builds: rebuilt here
 * when a console source is newer, so an edit is never tested against a stale build.
 */
function ensureConsoleBuilt(): void {
  const index = join(CONSOLE, 'dist', 'index.html');
  if (existsSync(index) && statSync(index).mtimeMs >= newestMtime(CONSOLE)) return;
  execFileSync(process.execPath, [join(CONSOLE, '..', 'scripts', 'build-console.mjs')], { stdio: 'inherit' });
}

/** Fails the run at once, with the fix, when something the suite needs is missing. */
export default async function setup(): Promise<void> {
  for (const find of [temporalCliPath, temporalTestServerPath]) {
    const path = find(); // throws with "run npm install / npm run setup"
    if (!existsSync(path)) throw new Error(`missing ${path}`);
  }
  ensureConsoleBuilt();
  if (testDatabaseKinds().includes('postgres')) {
    const client = new pg.Client({ connectionString: adminDatabaseUrl(), connectionTimeoutMillis: 5000 });
    try {
      await client.connect();
      await client.query('select 1');
    } catch (err) {
      throw new Error(
        `PostgreSQL is not reachable at ${adminDatabaseUrl()} (${(err as Error).message}). Start it, point ` +
          `SWITCHYARD_TEST_PG_URL at a server, or run only the embedded database with SWITCHYARD_TEST_DATABASES=pglite.`,
      );
    } finally {
      await client.end().catch(() => undefined);
    }
  }
}
