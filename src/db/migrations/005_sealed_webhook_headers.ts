import type { Knex } from 'knex';
import type { MigrationContext } from './context';

const BATCH = 500;

/**
 * Webhook `additional_headers` were stored as plain jsonb although they carry credentials; they move
 * to `additional_headers_sealed` (one sealed JSON object, like channel connector headers) and the
 * plain column goes. Idempotent and restartable: rows are sealed in batches, each batch clearing
 * the plain values it sealed, so a run that stops half-way continues where it stopped.
 */
export async function up(db: Knex, ctx: MigrationContext): Promise<void> {
  if (!(await db.schema.hasColumn('webhooks', 'additional_headers_sealed'))) {
    await db.schema.alterTable('webhooks', (t) => t.text('additional_headers_sealed'));
  }
  if (!(await db.schema.hasColumn('webhooks', 'additional_headers'))) return;
  for (;;) {
    const sealed = await db.transaction(async (trx) => {
      const rows = (await trx('webhooks')
        .whereNotNull('additional_headers')
        .orderBy('id')
        .limit(BATCH)
        .select('id', 'additional_headers')) as Array<{ id: string; additional_headers: unknown }>;
      if (rows.length && !ctx.secrets) {
        throw new Error('sealing webhook additional_headers needs the secret key (SWITCHYARD_SECRET_KEY)');
      }
      for (const row of rows) {
        // pg parses jsonb; a driver that does not hands over the JSON text.
        const headers =
          typeof row.additional_headers === 'string'
            ? row.additional_headers
            : JSON.stringify(row.additional_headers);
        await trx('webhooks')
          .where({ id: row.id })
          .update({ additional_headers_sealed: ctx.secrets!.seal(headers), additional_headers: null });
      }
      return rows.length;
    });
    if (sealed < BATCH) break;
  }
  await db.schema.alterTable('webhooks', (t) => t.dropColumn('additional_headers'));
  // Dropping a column and nulling values leave the old bytes in the table's files until they are
  // rewritten: rewrite them now, so no plain header value stays on disk (the table is small).
  await db.raw('vacuum full webhooks');
}

export async function down(db: Knex, ctx: MigrationContext): Promise<void> {
  await db.schema.alterTable('webhooks', (t) => t.jsonb('additional_headers'));
  const rows = (await db('webhooks')
    .whereNotNull('additional_headers_sealed')
    .select('id', 'additional_headers_sealed')) as Array<{ id: string; additional_headers_sealed: string }>;
  if (rows.length && !ctx.secrets) throw new Error('opening webhook headers needs the secret key');
  for (const row of rows) {
    await db('webhooks')
      .where({ id: row.id })
      .update({ additional_headers: ctx.secrets!.open(row.additional_headers_sealed) });
  }
  await db.schema.alterTable('webhooks', (t) => t.dropColumn('additional_headers_sealed'));
}

// VACUUM cannot run inside a transaction; every step above is safe to repeat instead.
export const config = { transaction: false };
