import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrationSource, type MigrationContext } from './migrations/index';

export type Db = Knex;

export interface DbOptions {
  /** PostgreSQL URL; when absent PGlite runs embedded under `dataDir`. */
  databaseUrl?: string | undefined;
  /** Folder for PGlite files; `null` means an in-memory PGlite (tests). */
  dataDir?: string | null;
  poolMax?: number;
}

export function createDb(opts: DbOptions): Db {
  if (opts.databaseUrl) {
    return knexFactory({
      client: 'pg',
      connection: opts.databaseUrl,
      pool: { min: 0, max: opts.poolMax ?? 10 },
      acquireConnectionTimeout: 10_000,
    });
  }
  let connection: Record<string, unknown> = {};
  if (opts.dataDir !== null) {
    const dir = resolve(opts.dataDir ?? '.data', 'pglite');
    mkdirSync(dir, { recursive: true });
    connection = { pglite: new PGlite(dir, { startParams: PGLITE_START_PARAMS }) };
  }
  return knexFactory({ client: ClientPgLite, dialect: 'postgres', connection } as Knex.Config);
}

/** Shared buffers of the embedded database. */
export const PGLITE_SHARED_BUFFERS = '16MB';
// PGlite's default (128 MB) lives in its WebAssembly memory, which fills as the tables grow and never
// shrinks: 16 MB kept a reopened database at 217 instead of 345 MiB with no measurable loss of
// throughput (BENCHMARKS.md). The rest are PGlite's own defaults, which startParams replaces.
const PGLITE_START_PARAMS = [
  ...(PGlite as unknown as { defaultStartParams: string[] }).defaultStartParams,
  '-c',
  `shared_buffers=${PGLITE_SHARED_BUFFERS}`,
];

export function dbKind(opts: DbOptions): 'postgres' | 'pglite' {
  return opts.databaseUrl ? 'postgres' : 'pglite';
}

/** An arbitrary constant: the advisory lock every Switchyard process takes to migrate. */
const MIGRATION_LOCK_KEY = 7_390_411_202;

/** Applies every pending migration; `ctx.secrets` seals data that a migration moves out of plain text. */
export async function migrate(db: Db, ctx: MigrationContext = {}): Promise<string[]> {
  const latest = async () => {
    const [, applied] = (await db.migrate.latest({ migrationSource: migrationSource(ctx) })) as [
      number,
      string[],
    ];
    return applied;
  };
  if (db.client.config.client !== 'pg') return latest();
  // The API and the workers may start together on a fresh database (docker-compose.yml does), and
  // knex's own migration lock is a table they would race to create ("relation knex_migrations_lock
  // already exists"). A session advisory lock, held on a connection of its own, lets one migrate
  // while the others wait and then find nothing to do.
  type PgConnection = { query(sql: string, values: unknown[]): Promise<unknown> };
  const conn = (await db.client.acquireConnection()) as PgConnection;
  try {
    await conn.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
    try {
      return await latest();
    } finally {
      await conn.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
    }
  } finally {
    await db.client.releaseConnection(conn);
  }
}

export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}

export function pgliteDir(dataDir: string): string {
  return join(resolve(dataDir), 'pglite');
}
