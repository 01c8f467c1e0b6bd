// What the HTTP layer is built from: the app's dependencies, and what each route module gets.
import type { Router } from 'express';
import type { Client } from '@temporalio/client';
import type { Db } from '../db/knex';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { Services } from '../services';
import type { SecretBox } from '../secrets';
import type { RouteSpec } from './route';
import type { ConsoleSettings } from './console';

export interface AppDeps {
  db: Db;
  temporal: Client;
  logger: Logger;
  metrics: Metrics;
  adminKey: string;
  services: Services;
  secrets: SecretBox;
  /** Requests per second per caller; 0 or unset: no limit. */
  rateLimit?: number;
  /** What the operator console links to; unset: the embedded Web UI on port 8233. */
  console?: ConsoleSettings;
}

export interface RouteDeps extends AppDeps {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  route: <B = any, Q = any, P = any>(spec: RouteSpec<B, Q, P>) => void;
  router: Router;
}
