import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/knex';
import { migrate } from '../../src/db/knex';
import { MIGRATION_NAMES, migrationSource, type MigrationContext } from '../../src/db/migrations/index';
import { newId } from '../../src/ids';
import { SecretBox } from '../../src/secrets';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';

/** Applies the migrations up to and including `last`, as a database of that version would have. */
async function migrateThrough(db: Db, last: string, ctx: MigrationContext = {}): Promise<void> {
  for (const name of MIGRATION_NAMES.slice(0, MIGRATION_NAMES.indexOf(last) + 1)) {
    await db.migrate.up({ migrationSource: migrationSource(ctx), name });
  }
}

// Each migration that converts data is proved on a row written under the schema before it.
describe.each(testDatabaseKinds())('data migrations on %s', (kind) => {
  let tdb: TestDb | undefined;
  afterEach(async () => {
    await tdb?.destroy();
    tdb = undefined;
  });

  it('004 gives every existing event a unique msg_ id and requires one from then on', async () => {
    tdb = await createTestDb(kind, { migrate: false });
    const { db } = tdb;
    await migrateThrough(db, '003_channels');
    await db('accounts').insert([
      { id: 'acc_a', name: 'a' },
      { id: 'acc_b', name: 'b' },
    ]);
    const event = (account_id: string, seq: string) => ({
      account_id,
      id: 'evt-1',
      seq,
      type: 'package.created',
      occurred_at: new Date(),
      payload: '{}',
      request_hash: 'h',
    });
    const [seqA, seqB] = [newId('evt'), newId('evt')];
    await db('events').insert([event('acc_a', seqA), event('acc_b', seqB)]);

    await migrate(db);
    const rows = await db('events').orderBy('account_id').select('account_id', 'seq', 'message_id');
    expect(rows.map((r: { message_id: string }) => r.message_id)).toEqual([
      `msg_${seqA.slice(4)}`,
      `msg_${seqB.slice(4)}`,
    ]);
    // A second run changes nothing; the column is required and unique from now on.
    const m004 = await migrationSource().getMigration('004_event_message_ids');
    await m004.up(db);
    expect(await db('events').orderBy('account_id').select('account_id', 'seq', 'message_id')).toEqual(rows);
    await expect(db('events').insert({ ...event('acc_a', newId('evt')), id: 'evt-2' })).rejects.toThrow();
    await expect(
      db('events').insert({ ...event('acc_a', newId('evt')), id: 'evt-3', message_id: rows[1].message_id }),
    ).rejects.toThrow();
  });

  it('005 seals plain webhook additional_headers and drops the plain column', async () => {
    tdb = await createTestDb(kind, { migrate: false });
    const { db } = tdb;
    await migrateThrough(db, '004_event_message_ids');
    await db('accounts').insert({ id: 'acc_a', name: 'a' });
    const webhook = (id: string, headers: Record<string, string> | null) => ({
      id,
      account_id: 'acc_a',
      event_type: '*',
      target_url: 'https://example.com/h',
      scope: 'automation',
      retry_policy: 'none',
      max_attempts: 1,
      timeout: '10s',
      additional_headers: headers ? JSON.stringify(headers) : null,
    });
    const plain = { 'X-Api-Key': 'k-plain-credential-1', 'X-Tenant': 'acme' };
    await db('webhooks').insert([webhook('whk_with', plain), webhook('whk_without', null)]);

    // Without the secret key there is nothing to seal with: the migration refuses to run.
    await expect(migrate(db)).rejects.toThrow(/secret key/);
    const secrets = new SecretBox('migration-test-key');
    await migrate(db, { secrets });

    expect(await db.schema.hasColumn('webhooks', 'additional_headers')).toBe(false);
    const rows = await db('webhooks').orderBy('id').select('id', 'additional_headers_sealed');
    expect(rows[0].additional_headers_sealed).toMatch(/^v1:/);
    expect(JSON.parse(secrets.open(rows[0].additional_headers_sealed))).toEqual(plain);
    expect(rows[1].additional_headers_sealed).toBeNull();
    const anywhere = await db.raw(
      `select count(*) as n from webhooks w where w::text like '%k-plain-credential%'`,
    );
    expect(Number(anywhere.rows[0].n)).toBe(0);

    // A second run changes nothing.
    const m005 = await migrationSource({ secrets }).getMigration('005_sealed_webhook_headers');
    await m005.up(db);
    expect(await db('webhooks').orderBy('id').select('id', 'additional_headers_sealed')).toEqual(rows);
  });
});
