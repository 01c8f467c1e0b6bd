import type { Db } from '../../src/db/knex';
import { newId } from '../../src/ids';
import { webhookWorkflowIds } from '../../src/workflows/webhooks/contract';
import type { SecretBox } from '../../src/secrets';

export async function insertAccount(db: Db, name = 'test'): Promise<string> {
  const id = newId('acc');
  await db('accounts').insert({ id, name });
  return id;
}

export interface WebhookFixture {
  target_url: string;
  event_type?: string;
  retry_policy?: 'none' | 'one_day' | 'countdown';
  retry_countdown_config?: unknown;
  max_attempts?: number;
  delay?: string | null;
  timeout?: string;
  secret_key?: string | null;
  notify_email?: string | null;
  scope?: 'regular' | 'automation';
  goods_owner_id?: string | null;
}

/** A webhook row as the API would store it (secrets sealed). */
export async function insertWebhook(
  db: Db,
  secrets: SecretBox,
  accountId: string,
  w: WebhookFixture,
): Promise<string> {
  const id = newId('whk');
  await db('webhooks').insert({
    id,
    account_id: accountId,
    event_type: w.event_type ?? '*',
    target_url: w.target_url,
    scope: w.scope ?? 'automation',
    goods_owner_id: w.goods_owner_id ?? null,
    retry_policy: w.retry_policy ?? 'countdown',
    retry_countdown_config:
      w.retry_countdown_config === undefined ? null : JSON.stringify(w.retry_countdown_config),
    max_attempts: w.max_attempts ?? 11,
    delay: w.delay ?? null,
    timeout: w.timeout ?? '10s',
    secret_key_sealed: secrets.sealNullable(w.secret_key ?? null),
    notify_email: w.notify_email ?? null,
  });
  return id;
}

/** An event and its pending delivery row, as planDeliveries would leave them. */
export async function insertDelivery(
  db: Db,
  accountId: string,
  webhookId: string,
  event: { type?: string; payload?: Record<string, unknown>; goods_owner_id?: string | null } = {},
): Promise<{ eventId: string; deliveryId: string; workflowId: string }> {
  const eventId = newId('evt');
  await db('events').insert({
    account_id: accountId,
    id: eventId,
    seq: eventId,
    message_id: newId('msg'),
    type: event.type ?? 'package.created',
    goods_owner_id: event.goods_owner_id ?? null,
    occurred_at: new Date(),
    payload: JSON.stringify(event.payload ?? { package_id: 'P1' }),
    request_hash: 'x',
  });
  const deliveryId = newId('dlv');
  const workflowId = webhookWorkflowIds.delivery(eventId, webhookId);
  await db('deliveries').insert({
    id: deliveryId,
    account_id: accountId,
    event_id: eventId,
    webhook_id: webhookId,
    status: 'pending',
    workflow_id: workflowId,
  });
  return { eventId, deliveryId, workflowId };
}
