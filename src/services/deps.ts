import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { HostResolver } from '../rules/urlSafety';
import type { SecretBox } from '../secrets';

export interface ServiceDeps {
  db: Db;
  temporal: Client;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  secrets: SecretBox;
  /** Set Switchyard search attributes on started workflows (default true). */
  searchAttributes?: boolean;
  /** Resolves target hosts for the URL safety check (default: the system resolver); tests stall it. */
  lookup?: HostResolver;
}
