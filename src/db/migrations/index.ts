import type { Knex } from 'knex';
import type { MigrationContext } from './context';
import * as m001 from './001_accounts';
import * as m002 from './002_webhooks';
import * as m003 from './003_channels';
import * as m004 from './004_event_message_ids';
import * as m005 from './005_sealed_webhook_headers';
import * as m006 from './006_api_key_last_used';
import * as m007 from './007_delivery_controls';
import * as m008 from './008_rate_buckets';
import * as m009 from './009_webhook_filters';
import * as m010 from './010_retention';
import * as m011 from './011_secret_rotation';

export type { MigrationContext } from './context';

interface Migration {
  up(db: Knex, ctx: MigrationContext): Promise<void>;
  down(db: Knex, ctx: MigrationContext): Promise<void>;
  /** `{ transaction: false }` for a migration that cannot run in one (VACUUM). */
  config?: { transaction?: boolean };
}

// Migrations are imported, not read from disk, so they work the same under tsx, vitest and a bundle.
const migrations: Record<string, Migration> = {
  '001_accounts': m001,
  '002_webhooks': m002,
  '003_channels': m003,
  '004_event_message_ids': m004,
  '005_sealed_webhook_headers': m005,
  '006_api_key_last_used': m006,
  '007_delivery_controls': m007,
  '008_rate_buckets': m008,
  '009_webhook_filters': m009,
  '010_retention': m010,
  '011_secret_rotation': m011,
};

export const MIGRATION_NAMES = Object.keys(migrations).sort();

export function migrationSource(ctx: MigrationContext = {}): Knex.MigrationSource<string> {
  return {
    getMigrations: async () => MIGRATION_NAMES,
    getMigrationName: (name) => name,
    getMigration: async (name) => {
      const m = migrations[name] as Migration;
      return {
        up: (db: Knex) => m.up(db, ctx),
        down: (db: Knex) => m.down(db, ctx),
        ...(m.config ? { config: m.config } : {}),
      };
    },
  };
}
