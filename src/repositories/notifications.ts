// The `notifications` table: one row type and the SQL that reads and writes it.
import type { Knex } from 'knex';
import type { Db } from '../db/knex';
import { purgeBatch } from '../db/purge';

export type NotificationKind = 'delivery_failed' | 'webhook_disabled';

export interface NotificationRow {
  /** Derived from the cause, so a retried activity records (and mails) it once. */
  id: string;
  account_id: string;
  webhook_id: string | null;
  delivery_id: string | null;
  kind: NotificationKind;
  to: string;
  subject: string;
  body: string;
  /** recorded: not mailed (yet, or no SMTP server); sent; send_failed (see `error`). */
  status: 'recorded' | 'sent' | 'send_failed';
  error: string | null;
  created_at: Date;
}

export type NewNotification = Omit<NotificationRow, 'status' | 'error' | 'created_at'>;

export function createNotificationsRepository(db: Db) {
  return {
    /** Records a notification once; false when it already was (the activity ran again). */
    async insertIfNew(trx: Knex, n: NewNotification): Promise<boolean> {
      const inserted = await trx('notifications')
        .insert({ ...n, status: 'recorded' })
        .onConflict('id')
        .ignore()
        .returning('id');
      return inserted.length > 0;
    },

    async markSent(id: string): Promise<void> {
      await db('notifications').where({ id }).update({ status: 'sent' });
    },

    async markSendFailed(id: string, error: string): Promise<void> {
      await db('notifications').where({ id }).update({ status: 'send_failed', error });
    },

    /**
     * Retention: deletes up to `limit` notifications recorded before `cutoff` whose mail is over:
     * sent, or refused by the SMTP server (nothing sends it again). `recorded` is over too when no
     * SMTP server is configured (`mailing: false`: recording is all that happens); with one, it is
     * a mail still on its way, and stays.
     */
    async purgeFinished(cutoff: Date, limit: number, opts: { mailing: boolean }): Promise<number> {
      const statuses = opts.mailing ? "'sent', 'send_failed'" : "'sent', 'send_failed', 'recorded'";
      const { rows } = await purgeBatch(db, {
        table: 'notifications',
        alias: 'n',
        key: ['id'],
        where: `n.status in (${statuses}) and n.created_at < ?`,
        bindings: [cutoff],
        orderBy: 'n.created_at',
        limit,
      });
      return rows;
    },
  };
}

export type NotificationsRepository = ReturnType<typeof createNotificationsRepository>;
