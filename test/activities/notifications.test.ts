import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createActivities, type Activities } from '../../src/activities';
import { loadConfig } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { createLogger } from '../../src/logger';
import type { Mail, Mailer } from '../../src/mailer';
import { createMetrics } from '../../src/metrics';
import { SecretBox } from '../../src/secrets';
import { createTestDb, testDatabaseKinds, type TestDb } from '../support/db';
import { insertAccount, insertDelivery, insertWebhook } from '../support/fixtures';

/** A mailer whose SMTP server takes every mail. */
class SendingMailer implements Mailer {
  readonly sent: Mail[] = [];
  async send(mail: Mail): Promise<'sent'> {
    this.sent.push(mail);
    return 'sent';
  }
  close(): void {}
}

/**
 * The database as the activities see it, except that marking a notification sent (an update of
 * `notifications` outside a transaction, after the mail went out) fails: the database went away
 * between the commit and the mail's answer.
 */
function withBrokenNotificationUpdates(db: Db): Db {
  return new Proxy(db, {
    apply(target, thisArg, args: unknown[]) {
      const builder = Reflect.apply(target, thisArg, args) as ReturnType<Db>;
      if (args[0] !== 'notifications') return builder;
      builder.update = (() => Promise.reject(new Error('database went away'))) as never;
      return builder;
    },
  });
}

// Recording a notification commits with the delivery; the mail goes out afterwards, and recording
// whether it went out must never reject unhandled (in the all-in-one process that ends the API too).
describe.each(testDatabaseKinds())('a notification whose send status cannot be recorded on %s', (kind) => {
  let tdb: TestDb;
  let activities: Activities;
  const mailer = new SendingMailer();
  const logger = createLogger('silent');
  const secrets = new SecretBox('notification-activity-test');
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => unhandled.push(reason);

  beforeAll(async () => {
    tdb = await createTestDb(kind);
    activities = createActivities({
      db: withBrokenNotificationUpdates(tdb.db),
      logger,
      metrics: createMetrics(),
      secrets,
      temporal: undefined as never, // finishing a delivery never talks to Temporal
      config: loadConfig({ SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'silent' }),
      http: undefined as never, // nor to a target
      mailer,
    });
    process.on('unhandledRejection', onUnhandled);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });
  afterAll(async () => {
    process.off('unhandledRejection', onUnhandled);
    await tdb?.destroy();
  });

  it('is logged, and no promise rejects unhandled', async () => {
    const warn = vi.spyOn(logger, 'warn');
    const account = await insertAccount(tdb.db);
    const webhook = await insertWebhook(tdb.db, secrets, account, {
      target_url: 'http://127.0.0.1:9/',
      notify_email: 'ops@example.com',
    });
    const { deliveryId } = await insertDelivery(tdb.db, account, webhook);

    await activities.finishDelivery({ deliveryId, status: 'failed', cycle: 1, reason: 'HTTP 500' });
    // The mail and its bookkeeping run after the activity has returned.
    await vi.waitFor(() => expect(mailer.sent).toHaveLength(1));
    await new Promise((r) => setTimeout(r, 100));

    expect(unhandled).toEqual([]);
    expect(warn).toHaveBeenCalledWith(
      expect.objectContaining({ notification: expect.stringMatching(/^ntf_/) }),
      expect.stringContaining('notification'),
    );
    // The notification itself was committed with the delivery; only its send status is missing.
    const row = await tdb.db('notifications').where({ delivery_id: deliveryId }).first();
    expect(row).toMatchObject({ kind: 'delivery_failed', status: 'recorded', to: 'ops@example.com' });
    expect(await tdb.db('deliveries').where({ id: deliveryId }).first()).toMatchObject({ status: 'failed' });
  });
});
