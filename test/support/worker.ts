import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { Agent } from 'undici';
import { createActivities, type ActivityDeps } from '../../src/activities';
import { loadConfig } from '../../src/config';
import type { Db } from '../../src/db/knex';
import { randomToken } from '../../src/ids';
import { createLogger } from '../../src/logger';
import type { Mail, Mailer } from '../../src/mailer';
import { createMetrics } from '../../src/metrics';
import { SecretBox } from '../../src/secrets';
import { workflowBundle } from '../../src/worker';

export class RecordingMailer implements Mailer {
  readonly sent: Mail[] = [];
  async send(mail: Mail): Promise<'recorded'> {
    this.sent.push(mail);
    return 'recorded';
  }
  close(): void {}
}

export interface TestWorker {
  taskQueue: string;
  /** Runs a fresh worker (a Worker runs only once) until `fn` settles. */
  runUntil<T>(fn: Promise<T> | (() => Promise<T>)): Promise<T>;
  /** Runs a worker in the background until the returned function stops it. */
  start(): Promise<() => Promise<void>>;
  deps: ActivityDeps;
  mailer: RecordingMailer;
  secrets: SecretBox;
}

/**
 * A worker with the real workflows and real activities over a test database, against a test
 * environment. Under time skipping the attempt clock is the test server's clock.
 */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  db: Db,
  opts: { secrets?: SecretBox; timeSkipping?: boolean; http?: ActivityDeps['http']; taskQueue?: string } = {},
): Promise<TestWorker> {
  const taskQueue = opts.taskQueue ?? `test-${randomToken(6)}`;
  const timeSkipping = opts.timeSkipping ?? true;
  const mailer = new RecordingMailer();
  const secrets = opts.secrets ?? new SecretBox('test-secret-key-0123456789');
  const deps: ActivityDeps = {
    db,
    logger: createLogger('silent'),
    metrics: createMetrics(),
    secrets,
    temporal: env.client,
    config: loadConfig({ SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true', LOG_LEVEL: 'silent' }),
    http: opts.http ?? new Agent({ keepAliveTimeout: 1000 }),
    mailer,
    searchAttributes: !timeSkipping,
    ...(timeSkipping ? { clock: async () => new Date(await env.currentTimeMs()) } : {}),
  };
  const activities = createActivities(deps);
  const bundle = await workflowBundle();
  return {
    taskQueue,
    deps,
    mailer,
    secrets,
    async runUntil(fn) {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
      });
      return worker.runUntil(fn);
    },
    async start() {
      const worker = await Worker.create({
        connection: env.nativeConnection,
        taskQueue,
        workflowBundle: bundle,
        activities,
      });
      const running = worker.run();
      return async () => {
        worker.shutdown();
        await running;
      };
    },
  };
}
