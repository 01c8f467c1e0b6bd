import type { Knex } from 'knex';
import { ValidationError } from '../errors';

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

/** A cursor is the listing key of the last row of the previous page (a time-ordered id, `prefix_base32`). */
export const CURSOR_PATTERN = /^[a-z]{1,16}_[0-9a-z]{1,64}$/;

export function encodeCursor(id: string): string {
  return id;
}

export function decodeCursor(cursor: string): string {
  if (!CURSOR_PATTERN.test(cursor))
    throw ValidationError.field('cursor', 'is not a cursor from a previous page');
  return cursor;
}

/** Newest first, keyset pagination on the time-ordered id column. */
export async function paginate<Row extends object>(
  query: Knex.QueryBuilder,
  opts: { limit: number; cursor?: string | undefined; column?: string; key?: string },
): Promise<Page<Row>> {
  const column = opts.column ?? 'id';
  // The row field the column comes back as (`d.id` → `id`).
  const field = opts.key ?? column;
  if (opts.cursor) query.where(column, '<', decodeCursor(opts.cursor));
  const rows = (await query.orderBy(column, 'desc').limit(opts.limit + 1)) as Row[];
  const more = rows.length > opts.limit;
  const data = more ? rows.slice(0, opts.limit) : rows;
  const last = data[data.length - 1];
  const key = last ? (last as Record<string, unknown>)[field] : undefined;
  return { data, next_cursor: more && typeof key === 'string' ? encodeCursor(key) : null };
}
