// Telling a webhook's owner (notify_email) that a delivery failed for good or that the webhook was
// disabled. The notification is recorded in the same transaction as the change it reports; the
// mail goes out only after that transaction commits, so an SMTP outage neither loses the record
// nor fails or slows the delivery, and a rolled-back change is never mailed.
import { createHash } from 'node:crypto';
import type { Knex } from 'knex';
import { inTransaction, type AfterCommit } from '../../db/afterCommit';
import type { DeliveryContext } from '../../repositories/deliveries';
import { createNotificationsRepository, type NotificationKind } from '../../repositories/notifications';
import type { ActivityDeps } from '../deps';

export type { AfterCommit } from '../../db/afterCommit';

type NoticeSource = Pick<
  DeliveryContext,
  'account_id' | 'webhook_id' | 'delivery_id' | 'event_id' | 'event_type' | 'target_url' | 'name'
>;

interface Notice {
  kind: NotificationKind;
  /** What makes it unique: the same key is recorded and mailed once. */
  key: string;
  deliveryId: string | null;
  subject: string;
  body: string;
}

function notificationId(kind: string, key: string): string {
  return `ntf_${createHash('sha256').update(`${kind}:${key}`).digest('hex').slice(0, 24)}`;
}

/** A delivery of this cycle failed for good. */
export function deliveryFailedNotice(ctx: NoticeSource, cycle: number): Notice {
  return {
    kind: 'delivery_failed',
    key: `${ctx.delivery_id}:${cycle}`,
    deliveryId: ctx.delivery_id,
    subject: `Switchyard delivery ${ctx.delivery_id} failed`,
    body: `Event ${ctx.event_id} (${ctx.event_type}) could not be delivered to ${ctx.target_url}.\nInspect it with GET /v1/deliveries/${ctx.delivery_id}; resend it with POST /v1/deliveries/${ctx.delivery_id}/retry.`,
  };
}

/** The webhook was disabled (by this delivery's attempt). */
export function webhookDisabledNotice(ctx: NoticeSource, reason: string): Notice {
  return {
    kind: 'webhook_disabled',
    key: `${ctx.webhook_id}:${ctx.delivery_id}`,
    deliveryId: null,
    subject: `Switchyard webhook ${ctx.name ?? ctx.webhook_id} was disabled`,
    body: `The webhook ${ctx.webhook_id} (${ctx.target_url}) was disabled: ${reason}.\nRe-enable it with PATCH /v1/webhooks/${ctx.webhook_id} {"enabled": true} and resend failed deliveries with POST /v1/webhooks/${ctx.webhook_id}/recover.`,
  };
}

export function createNotifier(deps: Pick<ActivityDeps, 'db' | 'logger' | 'mailer'>) {
  const { db, logger, mailer } = deps;
  const notifications = createNotificationsRepository(db);

  /**
   * Mails a committed notification and records whether it went out. Nobody awaits this (the
   * delivery has moved on), so it ends in a handler that cannot reject: an unhandled rejection
   * could end the all-in-one process, API included.
   */
  function mail(id: string, to: string, notice: Notice): void {
    void mailer
      .send({ to, subject: notice.subject, text: notice.body })
      .then(
        async (status) => {
          if (status === 'sent') await notifications.markSent(id);
        },
        async (err: Error) => {
          logger.warn({ err, notification: id }, 'notification mail failed');
          await notifications.markSendFailed(id, err.message);
        },
      )
      .catch((err: unknown) => {
        logger.warn({ err, notification: id }, 'notification send status not recorded');
      });
  }

  return {
    /** Runs `fn` in a transaction, then whatever it queued to run after the commit. */
    inTransaction<T>(fn: (trx: Knex, after: AfterCommit) => Promise<T>): Promise<T> {
      return inTransaction(db, fn);
    },

    /** Records the notice to `to` (once) in `trx`; its mail goes out after the commit. */
    async notify(
      trx: Knex,
      after: AfterCommit,
      ctx: NoticeSource,
      to: string,
      notice: Notice,
    ): Promise<void> {
      const id = notificationId(notice.kind, notice.key);
      const recorded = await notifications.insertIfNew(trx, {
        id,
        account_id: ctx.account_id,
        webhook_id: ctx.webhook_id,
        delivery_id: notice.deliveryId,
        kind: notice.kind,
        to,
        subject: notice.subject,
        body: notice.body,
      });
      if (!recorded) return; // already told (activity retried)
      after.push(() => mail(id, to, notice));
    },
  };
}

export type Notifier = ReturnType<typeof createNotifier>;
