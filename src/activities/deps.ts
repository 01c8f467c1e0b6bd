import type { Client } from '@temporalio/client';
import type { Dispatcher } from 'undici';
import type { Config } from '../config';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { SecretBox } from '../secrets';
import type { Mailer } from '../mailer';

export interface ActivityDeps {
  db: Db;
  logger: Logger;
  metrics: Metrics;
  secrets: SecretBox;
  temporal: Client;
  config: Config;
  /** undici dispatcher for targets and connectors (the safe one outside tests). */
  http: Dispatcher;
  mailer: Mailer;
  /** The attempt clock; tests under time skipping pass the test server's time. */
  clock?: () => Promise<Date> | Date;
  /** Set Switchyard search attributes on workflows (default true; off for servers without them). */
  searchAttributes?: boolean;
}
