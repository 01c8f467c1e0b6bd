// One batch of a retention purge as one short statement. The repositories say which rows of their
// table may go (the SQL predicate); this says how a batch of them goes.
import type { Knex } from 'knex';
import type { Db } from './knex';

export interface PurgeBatch {
  /** The table and the alias `where` and `orderBy` use for it. */
  table: string;
  alias: string;
  /** The primary key's columns. */
  key: readonly string[];
  /** Which rows may go: SQL over `alias`, with `bindings`. */
  where: string;
  bindings: readonly Knex.RawBinding[];
  /** Oldest first: the order of the index that serves `where`. */
  orderBy: string;
  limit: number;
  /** Child rows keyed by the victim's single-column key, deleted in the same statement. */
  children?: ReadonlyArray<{ table: string; column: string }>;
}

/**
 * Deletes up to `limit` rows matching `where`, first in `orderBy` order, with their `children`, in
 * one statement; answers how many rows of the table and of each child table went. The rows are
 * locked first (FOR UPDATE SKIP LOCKED): one a concurrent transaction holds is left for the next
 * run, and one changed since the statement began is checked against `where` again as it is now (a
 * delivery resent meanwhile is pending again, and stays).
 */
export async function purgeBatch(db: Db, b: PurgeBatch): Promise<{ rows: number; children: number[] }> {
  const children = b.children ?? [];
  const [id] = b.key;
  const ctes = [
    `victim as (
       select ${b.key.map((k) => `${b.alias}.${k}`).join(', ')} from ${b.table} ${b.alias}
        where ${b.where}
        order by ${b.orderBy} limit ?
        for update of ${b.alias} skip locked)`,
    ...children.map(
      (c, i) =>
        `child${i} as (delete from ${c.table} x using victim v where x.${c.column} = v.${id} returning 1)`,
    ),
    `gone as (delete from ${b.table} t using victim v
               where ${b.key.map((k) => `t.${k} = v.${k}`).join(' and ')} returning 1)`,
  ];
  const counts = ['gone', ...children.map((_, i) => `child${i}`)]
    .map((cte) => `(select count(*) from ${cte})::int as ${cte}`)
    .join(', ');
  const { rows } = (await db.raw(`with ${ctes.join(', ')} select ${counts}`, [...b.bindings, b.limit])) as {
    rows: Array<Record<string, number>>;
  };
  const row = rows[0] ?? {};
  return { rows: row.gone ?? 0, children: children.map((_, i) => row[`child${i}`] ?? 0) };
}
