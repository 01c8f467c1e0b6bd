import type { Knex } from 'knex';
import * as m001 from './001_accounts';
import * as m002 from './002_webhooks';
import * as m003 from './003_channels';

interface Migration {
  up(db: Knex): Promise<void>;
  down(db: Knex): Promise<void>;
}

// Migrations are imported, not read from disk, so they work the same under tsx, vitest and a bundle.
const migrations: Record<string, Migration> = {
  '001_accounts': m001,
  '002_webhooks': m002,
  '003_channels': m003,
};

export const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => Object.keys(migrations).sort(),
  getMigrationName: (name) => name,
  getMigration: async (name) => migrations[name] as Migration,
};
