import type { ServiceDeps } from './deps';
import { createAccountsService } from './accounts';
import { createApiKeyCache } from './apiKeyCache';
import { createChannelsService } from './channels';
import { createWebhooksService } from './webhooks';
import { createEventsService } from './events';
import { createDeliveriesService } from './deliveries';
import { createFiltersService } from './filters';
import { createRetentionService } from './retention';

export type { ServiceDeps } from './deps';

export function createServices(deps: ServiceDeps) {
  const webhooks = createWebhooksService(deps);
  // Shared by the API's authenticator and the accounts service, which drops a key it revokes.
  const apiKeyCache = createApiKeyCache();
  return {
    apiKeyCache,
    accounts: createAccountsService(deps.db, apiKeyCache),
    webhooks,
    events: createEventsService(deps),
    deliveries: createDeliveriesService(deps, webhooks),
    channels: createChannelsService(deps),
    filters: createFiltersService(),
    retention: createRetentionService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
