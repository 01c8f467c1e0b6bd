import pg from 'pg';
import { createDb, migrate, type Db } from '../../src/db/knex';
import { randomToken } from '../../src/ids';

export type DbKind = 'pglite' | 'postgres';

/** Which databases the suite runs against: both by default, as CI does. */
export function testDatabaseKinds(): DbKind[] {
  const raw = process.env.SWITCHYARD_TEST_DATABASES ?? 'pglite,postgres';
  return raw
    .split(',')
    .map((s) => s.trim())
    .filter((s): s is DbKind => s === 'pglite' || s === 'postgres');
}

export function adminDatabaseUrl(): string {
  return process.env.SWITCHYARD_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
}

export interface TestDb {
  kind: DbKind;
  db: Db;
  url?: string;
  destroy(): Promise<void>;
}

async function admin<T>(fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: adminDatabaseUrl() });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A migrated (unless told not to), empty database of its own: in-memory PGlite, or a fresh PostgreSQL database that is dropped afterwards. */
export async function createTestDb(kind: DbKind, opts: { migrate?: boolean } = {}): Promise<TestDb> {
  const migrated = opts.migrate ?? true;
  if (kind === 'pglite') {
    const db = createDb({ dataDir: null });
    if (migrated) await migrate(db);
    return { kind, db, destroy: () => db.destroy() };
  }
  const name = `switchyard_test_${randomToken(6)}`;
  await admin((c) => c.query(`create database ${name}`));
  const url = new URL(adminDatabaseUrl());
  url.pathname = `/${name}`;
  const db = createDb({ databaseUrl: url.toString(), poolMax: 5 });
  if (migrated) await migrate(db);
  return {
    kind,
    db,
    url: url.toString(),
    async destroy() {
      await db.destroy();
      await admin((c) => c.query(`drop database if exists ${name} with (force)`));
    },
  };
}
