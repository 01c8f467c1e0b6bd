import { existsSync } from 'node:fs';
import pg from 'pg';
import { temporalCliPath, temporalTestServerPath } from '../../src/temporal/binaries';
import { testDatabaseKinds, adminDatabaseUrl } from './db';

/** Fails the run at once, with the fix, when something the suite needs is missing. */
export default async function setup(): Promise<void> {
  for (const find of [temporalCliPath, temporalTestServerPath]) {
    const path = find(); // throws with "run npm install / npm run setup"
    if (!existsSync(path)) throw new Error(`missing ${path}`);
  }
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
