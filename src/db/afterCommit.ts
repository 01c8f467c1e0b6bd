// A transaction with work that must wait for its commit: a mail announcing a change, the dispatch
// of an event recorded with it. A rolled-back change queues nothing that runs.
import type { Knex } from 'knex';

/** Work to run once the transaction has committed. */
export type AfterCommit = Array<() => void>;

/** Runs `fn` in a transaction, then whatever it queued on `after` once the commit is done. */
export async function inTransaction<T>(
  db: Knex,
  fn: (trx: Knex, after: AfterCommit) => Promise<T>,
): Promise<T> {
  const after: AfterCommit = [];
  const result = await db.transaction((trx) => fn(trx, after));
  for (const f of after) f();
  return result;
}
