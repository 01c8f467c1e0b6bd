import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import knexFactory, { type Knex } from 'knex';
import ClientPgLite from 'knex-pglite';
import { migrationSource } from './migrations/index';

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
  let connection: Record<string, string> = {};
  if (opts.dataDir !== null) {
    const dir = resolve(opts.dataDir ?? '.data', 'pglite');
    mkdirSync(dir, { recursive: true });
    connection = { filename: dir };
  }
  return knexFactory({ client: ClientPgLite, dialect: 'postgres', connection } as Knex.Config);
}

export function dbKind(opts: DbOptions): 'postgres' | 'pglite' {
  return opts.databaseUrl ? 'postgres' : 'pglite';
}

export async function migrate(db: Db): Promise<string[]> {
  const [, applied] = (await db.migrate.latest({ migrationSource })) as [number, string[]];
  return applied;
}

export async function pingDb(db: Db): Promise<void> {
  await db.raw('select 1');
}

export function pgliteDir(dataDir: string): string {
  return join(resolve(dataDir), 'pglite');
}
