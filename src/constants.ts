// Names shared by the API, the worker and the tests. Changing one of these changes what an
// operator types into the Temporal Web UI, so they live in one place.

export const TASK_QUEUE = 'switchyard';

export const SEARCH_ATTRIBUTES = [
  { name: 'SwitchyardAccountId', type: 'Keyword' },
  { name: 'SwitchyardWebhookId', type: 'Keyword' },
  { name: 'SwitchyardEventType', type: 'Keyword' },
  { name: 'SwitchyardGoodsOwnerId', type: 'Keyword' },
  { name: 'SwitchyardChannelId', type: 'Keyword' },
  { name: 'SwitchyardJobType', type: 'Keyword' },
] as const;

export type SearchAttributeName = (typeof SEARCH_ATTRIBUTES)[number]['name'];

/**
 * Deterministic ids: a retried REST call finds the same workflow instead of starting another.
 * The channel workflows' ids live in their contract (src/workflows/channels/contract.ts).
 */
export const ids = {
  delivery: (eventId: string, webhookId: string) => `delivery:${eventId}:${webhookId}`,
  // Event ids are the client's and unique per account only; webhook ids are global.
  dispatch: (accountId: string, eventId: string) => `dispatch:${accountId}:${eventId}`,
} as const;

export const BODY_LIMIT_BYTES = 256 * 1024;
export const RESPONSE_BODY_LIMIT_BYTES = 16 * 1024;
