import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Pending deliveries waiting before an attempt, by reason (switchyard_deliveries_waiting). */
export interface WaitingCounts {
  /** For their webhook's rate limit. */
  token: number;
  /** Behind an earlier delivery of their lane. */
  lane: number;
}

export interface WaitingSource {
  count(): Promise<WaitingCounts>;
  onError(err: unknown): void;
}

/** A scrape waits this long for the counts at most, then answers without them. */
export const WAITING_COLLECT_TIMEOUT_MS = 2_000;

export function createMetrics(prefix = 'switchyard_') {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix });
  let waitingSource: WaitingSource | undefined;
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
    deliveriesWaiting: new Gauge({
      name: `${prefix}deliveries_waiting`,
      help:
        'Pending deliveries waiting before an attempt, by reason: token (for the rate limit of their ' +
        'webhook), lane (behind an earlier delivery of their ordering key); read from the database',
      labelNames: ['reason'] as const,
      registers: [registry],
      // At scrape time. A database that fails or is slow to answer leaves the gauge without samples
      // (unknown, rather than stale) instead of failing the whole scrape.
      async collect() {
        this.reset();
        if (!waitingSource) return;
        const source = waitingSource;
        let timer: NodeJS.Timeout | undefined;
        try {
          const counts = await Promise.race([
            source.count(),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`no answer within ${WAITING_COLLECT_TIMEOUT_MS} ms`)),
                WAITING_COLLECT_TIMEOUT_MS,
              );
            }),
          ]);
          this.set({ reason: 'token' }, counts.token);
          this.set({ reason: 'lane' }, counts.lane);
        } catch (err) {
          source.onError(err);
        } finally {
          clearTimeout(timer);
        }
      },
    }),
    /** Where switchyard_deliveries_waiting reads its counts (the API's database); unset: no samples. */
    countWaitingWith(source: WaitingSource): void {
      waitingSource = source;
    },
  };
}

export type Metrics = ReturnType<typeof createMetrics>;
