import { Counter, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics(prefix = 'switchyard_') {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  return {
    registry,
    httpRequests: new Counter({
      name: `${prefix}http_requests_total`,
      help: 'HTTP requests answered by the API',
      labelNames: ['method', 'route', 'status'] as const,
      registers: [registry],
    }),
    httpDuration: new Histogram({
      name: `${prefix}http_request_duration_seconds`,
      help: 'HTTP request latency',
      labelNames: ['method', 'route'] as const,
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
      registers: [registry],
    }),
    eventsAccepted: new Counter({
      name: `${prefix}events_accepted_total`,
      help: 'Events accepted by POST /v1/events (new ones, not idempotent replays)',
      registers: [registry],
    }),
    deliveryAttempts: new Counter({
      name: `${prefix}delivery_attempts_total`,
      help: 'Webhook delivery attempts made by this process, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
    jobRuns: new Counter({
      name: `${prefix}job_run_attempts_total`,
      help: 'Connector calls made for job runs by this process, by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
