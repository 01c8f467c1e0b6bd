import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, migrate, PGLITE_SHARED_BUFFERS } from '../../src/db/knex';
import { MIGRATION_NAMES } from '../../src/db/migrations/index';
import { createTestDb, testDatabaseKinds } from '../support/db';

describe('the embedded database', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-knex-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('keeps its data across a reopen and runs with small shared buffers', async () => {
    const first = createDb({ dataDir });
    await migrate(first);
    await first('accounts').insert({ id: 'acc_kept', name: 'kept' });
    await first.destroy();

    const again = createDb({ dataDir });
    try {
      expect(await again('accounts').where({ id: 'acc_kept' }).first('name')).toEqual({ name: 'kept' });
      const shown = await again.raw('show shared_buffers');
      expect(shown.rows).toEqual([{ shared_buffers: PGLITE_SHARED_BUFFERS }]);
    } finally {
      await again.destroy();
    }
  });
});

// Needs the PostgreSQL at 127.0.0.1:5432; skipped only when SWITCHYARD_TEST_DATABASES leaves it out (CI includes it).
describe.skipIf(!testDatabaseKinds().includes('postgres'))('migrations on PostgreSQL', () => {
  it('three processes starting together on a fresh database all migrate it without an error', async () => {
    const fresh = await createTestDb('postgres', { migrate: false });
    const processes = [0, 1, 2].map(() => createDb({ databaseUrl: fresh.url, poolMax: 3 }));
    try {
      const applied = await Promise.all(processes.map((db) => migrate(db)));
      // One of them applied every migration; the others found nothing left to do.
      const all = MIGRATION_NAMES.length;
      expect(applied.map((a) => a.length).sort()).toEqual([0, 0, all]);
      expect(await fresh.db('knex_migrations').count({ n: '*' })).toEqual([{ n: String(all) }]);
    } finally {
      await Promise.all(processes.map((db) => db.destroy()));
      await fresh.destroy();
    }
  });
});
