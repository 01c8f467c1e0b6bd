// The pg-restart drill's disruption: the local PostgreSQL server stopped mid-run for a few seconds
// and started again. While it is down the API must answer 503 with the error body (readiness, a
// read, an event) and never 500; afterwards everything must resume by itself: /readyz back to 200
// and deliveries flowing again, with nothing accepted lost (the drill's verdict checks that).
import type { Api } from './api';
import { sleep } from './net';
import { localCluster, pgIsReady, stopCluster } from './pgServer';
import { round } from './stats';

/** What a disruption can see of the drill it disturbs. */
export interface DrillContext {
  accountKey: string;
  /** Deliveries the receiver has had so far. */
  delivered: () => number;
  /** The producer's answers so far, by status (0: no answer). */
  answers: Map<number, number>;
}

export interface Disruption {
  note: string;
  outage?: Record<string, unknown>;
  problems?: string[];
}

/** How long the server stays down: long enough to probe, short for the others who share it. */
const DOWN_MS = 3000;

type Probe = [label: string, call: (api: Api, key: string, i: number) => Promise<number>];
const PROBES: Probe[] = [
  ['GET /readyz', async (api) => (await api.call('GET', '/readyz', '')).status],
  ['GET /v1/webhooks', async (api, key) => (await api.call('GET', '/v1/webhooks', key)).status],
  [
    'POST /v1/events',
    async (api, key, i) =>
      (
        await api.call('POST', '/v1/events', key, {
          id: `evt-outage-probe-${i}`,
          // A valid event nobody subscribes to: only the outage may refuse it. (An unknown type
          // is a 422 whatever the database does, once the API-key cache lets the request past auth.)
          type: 'package.status.cancelled',
          payload: {},
        })
      ).status,
  ],
];

/** Calls each probe in turn until `ms` have passed; answers counted as "<route> <status>". */
async function probeWhileDown(api: Api, key: string, ms: number): Promise<Record<string, number>> {
  const seen: Record<string, number> = {};
  const deadline = performance.now() + ms;
  for (let i = 0; performance.now() < deadline; i++) {
    for (const [label, call] of PROBES) {
      const status = await call(api, key, i).catch(() => 0);
      const k = `${label} ${status || 'no answer'}`;
      seen[k] = (seen[k] ?? 0) + 1;
    }
    await sleep(200);
  }
  return seen;
}

/** Seconds from `since` until `done` holds (polled every 100 ms), or null after `limitMs`. */
async function secondsUntil(
  since: number,
  done: () => boolean | Promise<boolean>,
  limitMs: number,
): Promise<number | null> {
  while (performance.now() - since < limitMs) {
    if (await done()) return round((performance.now() - since) / 1000, 1);
    await sleep(100);
  }
  return null;
}

const diff = (after: Map<number, number>, before: Map<number, number>) =>
  Object.fromEntries(
    [...after].map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const).filter(([, n]) => n > 0),
  );

export async function restartPostgres(
  api: Api,
  pgUrl: string,
  at: string,
  ctx: DrillContext,
): Promise<Disruption> {
  const cluster = localCluster(pgUrl);
  if ('reason' in cluster)
    throw new Error(`pg-restart restarts the local PostgreSQL server: ${cluster.reason}`);
  const answersBefore = new Map(ctx.answers);
  const t0 = performance.now();
  const start = stopCluster(cluster);
  const stoppedS = round((performance.now() - t0) / 1000, 1);
  let probes: Record<string, number>;
  let startAt: number;
  try {
    probes = await probeWhileDown(api, ctx.accountKey, DOWN_MS);
  } finally {
    startAt = performance.now();
    start(); // returns once the server accepts connections again
  }
  // Times to resume, all counted from the start command: the server, the API's readiness, and
  // the first delivery after it.
  const downS = round((performance.now() - t0) / 1000, 1);
  const deliveredAtStart = ctx.delivered();
  const serverReadyS = await secondsUntil(startAt, () => pgIsReady(pgUrl), 30_000);
  const apiReadyS = await secondsUntil(
    startAt,
    async () => (await api.call('GET', '/readyz', '').catch(() => ({ status: 0 }))).status === 200,
    60_000,
  );
  const deliveringS = await secondsUntil(startAt, () => ctx.delivered() > deliveredAtStart, 90_000);
  const producer = diff(ctx.answers, answersBefore);

  const problems: string[] = [];
  for (const [k, n] of Object.entries(probes)) {
    if (!k.endsWith(' 503')) problems.push(`${n}× ${k} while PostgreSQL was down (want 503)`);
  }
  for (const [status, n] of Object.entries(producer)) {
    if (Number(status) >= 500 && Number(status) !== 503)
      problems.push(`${n}× POST /v1/events ${status} to the producer`);
  }
  if (apiReadyS === null) problems.push('/readyz did not answer 200 within 60 s of the restart');
  if (deliveringS === null) problems.push('no delivery within 90 s of the restart');
  return {
    note:
      `PostgreSQL stopped at ${at} (stop took ${stoppedS} s), down ${downS} s; from the start command: ` +
      `server ready in ${serverReadyS ?? 'never'} s, /readyz 200 in ${apiReadyS ?? 'never'} s, ` +
      `deliveries again in ${deliveringS ?? 'never'} s; ` +
      `answers while down: ${Object.entries(probes)
        .map(([k, n]) => `${k} ×${n}`)
        .join(', ')}; producer's answers from the stop until deliveries resumed: ${JSON.stringify(producer)}`,
    outage: { stoppedS, downS, serverReadyS, apiReadyS, deliveringS, probes, producer },
    problems,
  };
}
