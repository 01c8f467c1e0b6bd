import type { ServiceDeps } from './deps';
import { createAccountsService } from './accounts';
import { createChannelsService } from './channels';
import { createWebhooksService } from './webhooks';
import { createEventsService } from './events';
import { createDeliveriesService } from './deliveries';

export type { ServiceDeps } from './deps';

export function createServices(deps: ServiceDeps) {
  const webhooks = createWebhooksService(deps);
  return {
    accounts: createAccountsService(deps.db),
    webhooks,
    events: createEventsService(deps),
    deliveries: createDeliveriesService(deps, webhooks),
    channels: createChannelsService(deps),
  };
}

export type Services = ReturnType<typeof createServices>;
