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
  /**
   * A client on the connection of a worker running in this process (all-in-one): the deliveries
   * the API starts itself go through it with eager start, so the server hands each new workflow's
   * first task back in the start response instead of through the task queue. Unset: the API's
   * own client, no eager start.
   */
  eagerStarts?: Client;
  /** Set Switchyard search attributes on started workflows (default true). */
  searchAttributes?: boolean;
  /**
   * The time rotations count from and inbound tokens are checked at (default: the wall clock);
   * tests under time skipping pass the test server's, as the activities' clock does.
   */
  clock?: () => Promise<Date> | Date;
  /** Resolves target hosts for the URL safety check (default: the system resolver); tests stall it. */
  lookup?: HostResolver;
}

/** The services' clock: `deps.clock`, else the wall clock. */
export function serviceClock(deps: Pick<ServiceDeps, 'clock'>): () => Promise<Date> {
  return async () => (deps.clock ? deps.clock() : new Date());
}
