import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import type { Client } from '@temporalio/client';
import { createApp } from '../../src/api/app';
import { answerClientErrors } from '../../src/api/clientErrors';
import { loadConfig, type Config } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { randomToken } from '../../src/ids';
import { createLogger } from '../../src/logger';
import { createMetrics } from '../../src/metrics';
import type { HostResolver } from '../../src/rules/urlSafety';
import { SecretBox } from '../../src/secrets';
import { createServices, type ServiceDeps } from '../../src/services';

export interface TestApp {
  url: string;
  adminKey: string;
  config: Config;
  secrets: SecretBox;
  call(
    method: string,
    path: string,
    opts?: { key?: string | null; body?: unknown; headers?: Record<string, string> },
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON answers freely
  ): Promise<{ status: number; body: any; headers: Headers }>;
  close(): Promise<void>;
}

/** The real express app over a test database and Temporal client, listening on a loopback port. */
export async function startTestApp(opts: {
  db: Db;
  temporal: Client;
  env?: Record<string, string>;
  searchAttributes?: boolean;
  secrets?: SecretBox;
  /** Requests per second per caller (off by default in tests). */
  rateLimit?: number;
  /** Resolves target hosts for the URL safety check (default: the system resolver). */
  lookup?: HostResolver;
  /** The services' clock (rotations, inbound token checks); default: the wall clock. */
  clock?: ServiceDeps['clock'];
}): Promise<TestApp> {
  const config = loadConfig({ SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'silent', ...opts.env });
  const logger = createLogger(config.LOG_LEVEL);
  const metrics = createMetrics();
  const secrets = opts.secrets ?? new SecretBox('test-secret-key-0123456789');
  const adminKey = `sya_${randomToken(24)}`;
  const services = createServices({
    db: opts.db,
    temporal: opts.temporal,
    config,
    logger,
    metrics,
    secrets,
    searchAttributes: opts.searchAttributes ?? true,
    lookup: opts.lookup,
    clock: opts.clock,
  });
  const app = createApp({
    db: opts.db,
    temporal: opts.temporal,
    logger,
    metrics,
    adminKey,
    services,
    secrets,
    rateLimit: opts.rateLimit ?? 0,
  });
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  answerClientErrors(server);
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    adminKey,
    config,
    secrets,
    async call(method, path, o = {}) {
      const headers: Record<string, string> = { ...o.headers };
      const key = o.key === undefined ? adminKey : o.key;
      if (key) headers.authorization = `Bearer ${key}`;
      let body: string | undefined;
      if (o.body !== undefined) {
        body = typeof o.body === 'string' ? o.body : JSON.stringify(o.body);
        headers['content-type'] ??= 'application/json';
      }
      const res = await fetch(url + path, { method, headers, body });
      const text = await res.text();
      let parsed: unknown = text;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        /* not JSON */
      }
      return { status: res.status, body: parsed, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
    },
  };
}
