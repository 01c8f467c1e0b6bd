import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createDb, migrate, PGLITE_SHARED_BUFFERS } from '../../src/db/knex';

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
