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
  { name: 'SwitchyardOrderingKey', type: 'Keyword' },
] as const;

export type SearchAttributeName = (typeof SEARCH_ATTRIBUTES)[number]['name'];

// Workflow and schedule ids are deterministic (a retried REST call finds the same workflow
// instead of starting another) and live in each workflow family's contract module:
// src/workflows/webhooks/contract.ts and src/workflows/channels/contract.ts.

export const BODY_LIMIT_BYTES = 256 * 1024;
export const RESPONSE_BODY_LIMIT_BYTES = 16 * 1024;
