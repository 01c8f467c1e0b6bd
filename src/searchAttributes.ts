import { defineSearchAttributeKey, SearchAttributeType, type SearchAttributePair } from '@temporalio/common';

// Typed keys for the attributes in SEARCH_ATTRIBUTES (constants.ts), usable from workflow code too.
export const SA = {
  account: defineSearchAttributeKey('SwitchyardAccountId', SearchAttributeType.KEYWORD),
  webhook: defineSearchAttributeKey('SwitchyardWebhookId', SearchAttributeType.KEYWORD),
  eventType: defineSearchAttributeKey('SwitchyardEventType', SearchAttributeType.KEYWORD),
  goodsOwner: defineSearchAttributeKey('SwitchyardGoodsOwnerId', SearchAttributeType.KEYWORD),
  channel: defineSearchAttributeKey('SwitchyardChannelId', SearchAttributeType.KEYWORD),
  jobType: defineSearchAttributeKey('SwitchyardJobType', SearchAttributeType.KEYWORD),
  orderingKey: defineSearchAttributeKey('SwitchyardOrderingKey', SearchAttributeType.KEYWORD),
} as const;

export function deliveryAttributes(d: {
  accountId: string;
  webhookId: string;
  eventType: string;
  goodsOwnerId: string | null;
  orderingKey?: string | null | undefined;
}): SearchAttributePair[] {
  const pairs: SearchAttributePair[] = [
    { key: SA.account, value: d.accountId },
    { key: SA.webhook, value: d.webhookId },
    { key: SA.eventType, value: d.eventType },
  ];
  if (d.goodsOwnerId) pairs.push({ key: SA.goodsOwner, value: d.goodsOwnerId });
  // Every delivery of one order's lane: SwitchyardOrderingKey = "<key>" in the Web UI.
  if (d.orderingKey) pairs.push({ key: SA.orderingKey, value: d.orderingKey });
  return pairs;
}

/** A fan-out's attributes: the account and the event type (it has no single webhook). */
export function dispatchAttributes(d: { accountId: string; eventType: string }): SearchAttributePair[] {
  return [
    { key: SA.account, value: d.accountId },
    { key: SA.eventType, value: d.eventType },
  ];
}
