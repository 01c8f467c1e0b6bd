import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { SecretBox } from '../secrets';
import { createAccountsService } from './accounts';
import { createChannelsService } from './channels';
import { createWebhooksService } from './webhooks';
import { createEventsService } from './events';
import { createDeliveriesService } from './deliveries';

export interface ServiceDeps {
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  secrets: SecretBox;
  /** Set Switchyard search attributes on started workflows (default true). */
  searchAttributes?: boolean;
}

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
