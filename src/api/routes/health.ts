import { z } from 'zod';
import { pingDb } from '../../db/knex';
import { createDeliveriesRepository } from '../../repositories/deliveries';
import type { RouteDeps } from '../deps';

const checkSchema = z.object({ status: z.enum(['ok', 'unavailable']), error: z.string().optional() });
const readySchema = z.object({
  status: z.enum(['ok', 'unavailable']),
  checks: z.record(z.string(), checkSchema),
});

async function check(fn: () => Promise<unknown>, timeoutMs = 3000) {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { status: 'ok' as const };
  } catch (err) {
    return { status: 'unavailable' as const, error: (err as Error).message };
  } finally {
    clearTimeout(timer);
  }
}

export function healthRoutes({ route, db, temporal, metrics, logger }: RouteDeps): void {
  const deliveries = createDeliveriesRepository(db);
  metrics.countWaitingWith({
    count: () => deliveries.countWaiting(),
    onError: (err) => logger.warn({ err }, 'metrics: could not count the waiting deliveries'),
  });

  route({
    method: 'get',
    path: '/healthz',
    tag: 'Operations',
    auth: 'none',
    summary: 'The process is up',
    responses: { 200: { description: 'Up', schema: z.object({ status: z.literal('ok') }) } },
    handler: async () => ({ status: 200, body: { status: 'ok' } }),
  });

  route({
    method: 'get',
    path: '/readyz',
    tag: 'Operations',
    auth: 'none',
    summary: 'The database and Temporal answer',
    responses: {
      200: { description: 'Ready', schema: readySchema },
      503: { description: 'A dependency is down', schema: readySchema },
    },
    handler: async () => {
      const [database, temporalCheck] = await Promise.all([
        check(() => pingDb(db)),
        // A deadline, so the client's own retries end with the check instead of outliving it.
        check(() =>
          temporal.connection.withDeadline(Date.now() + 2500, () =>
            temporal.workflowService.getSystemInfo({}),
          ),
        ),
      ]);
      const ok = database.status === 'ok' && temporalCheck.status === 'ok';
      return {
        status: ok ? 200 : 503,
        body: { status: ok ? 'ok' : 'unavailable', checks: { database, temporal: temporalCheck } },
      };
    },
  });

  route({
    method: 'get',
    path: '/metrics',
    tag: 'Operations',
    auth: 'none',
    summary: 'Prometheus metrics',
    responses: { 200: { description: 'Prometheus text format' } },
    handler: async ({ res }) => {
      res.type(metrics.registry.contentType).send(await metrics.registry.metrics());
      return { status: 200 };
    },
  });
}
