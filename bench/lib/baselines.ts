import { Client, Connection } from '@temporalio/client';
import { Pool } from 'undici';
import { startWorkflow } from '../../src/temporal/workflowStart';
import { noopWorkflowStart } from '../../src/workflows/noopContract';

export interface RateResult {
  count: number;
  /** Items that did not finish within the deadline. */
  unfinished: number;
  seconds: number;
  perSecond: number;
  /** performance.now() at which each item finished. */
  finishedAt: number[];
  origin: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function lanes(n: number, fn: () => Promise<void>): Promise<void> {
  await Promise.all(Array.from({ length: Math.max(1, n) }, fn));
}

/**
 * Baseline (a): the receiver driven directly by undici at the same concurrency, with a body and
 * headers like a signed webhook's: the ceiling of any dispatcher on this machine and receiver.
 */
export async function directBaseline(
  receiverUrl: string,
  count: number,
  concurrency: number,
): Promise<RateResult> {
  const pool = new Pool(receiverUrl, { connections: concurrency, pipelining: 1, keepAliveTimeout: 30_000 });
  const body = JSON.stringify({
    event: {
      type: 'package.created',
      uuid: 'evt_direct',
      occurred_at: new Date().toISOString(),
      goods_owner_id: null,
    },
    payload: { order_id: 'ORD-1', lines: [{ sku: 'SKU-1', qty: 2 }], note: 'switchyard bench' },
  });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Switchyard/bench',
    'webhook-id': 'evt_direct',
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
    'x-switchyard-event': 'package.created',
    'x-switchyard-delivery': 'dlv_direct',
    'x-switchyard-attempt': '1',
  };
  const finishedAt: number[] = [];
  const origin = performance.now();
  let next = 0;
  let failed = 0;
  await lanes(concurrency, async () => {
    while (next < count) {
      next++;
      try {
        const res = await pool.request({ method: 'POST', path: '/direct', headers, body });
        await res.body.dump();
        if (res.statusCode === 200) finishedAt.push(performance.now());
        else failed++;
      } catch {
        failed++;
      }
    }
  });
  await pool.close();
  const seconds = (Math.max(...finishedAt) - origin) / 1000;
  return { count, unfinished: failed, seconds, perSecond: finishedAt.length / seconds, finishedAt, origin };
}

export async function connectTemporal(address: string, namespace = 'default') {
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  return { connection, client: new Client({ connection, namespace }) };
}

/**
 * Baseline (b): Temporal's own ceiling on this server and worker: `count` noopWorkflow runs (one
 * no-op activity each) started `concurrency` at a time on the running worker's task queue; the
 * rate is completions per second from the first start to the last completion.
 */
export async function noopBaseline(
  client: Client,
  o: { count: number; concurrency: number; prefix: string; deadlineMs: number; onDone?: () => void },
): Promise<RateResult> {
  const origin = performance.now();
  const deadline = origin + o.deadlineMs;
  const started: string[] = [];
  let startedAll = false;
  let next = 0;
  const starting = lanes(o.concurrency, async () => {
    while (next < o.count && performance.now() < deadline) {
      const id = `${o.prefix}-${next++}`;
      try {
        await startWorkflow(client, noopWorkflowStart(id));
        started.push(id);
      } catch {
        // Counted as unfinished: it never ran.
      }
    }
  }).finally(() => {
    startedAll = true;
  });
  // Completions are awaited in start order by a pool of long polls (each returns at once when done).
  const finishedAt: number[] = [];
  let waited = 0;
  const waiting = lanes(Math.min(200, Math.max(16, o.concurrency * 4)), async () => {
    for (;;) {
      if (performance.now() > deadline) return;
      if (waited >= started.length) {
        if (startedAll && waited >= started.length) return;
        await sleep(5);
        continue;
      }
      const id = started[waited++]!;
      const remaining = deadline - performance.now();
      const done = await Promise.race([
        client.workflow
          .getHandle(id)
          .result()
          .then(
            () => true,
            () => true,
          ),
        sleep(Math.max(0, remaining)).then(() => false),
      ]);
      if (done) {
        finishedAt.push(performance.now());
        o.onDone?.();
      }
    }
  });
  await Promise.all([starting, waiting]);
  const seconds = (Math.max(...finishedAt, origin) - origin) / 1000;
  return {
    count: o.count,
    unfinished: o.count - finishedAt.length,
    seconds,
    perSecond: finishedAt.length / seconds,
    finishedAt,
    origin,
  };
}

/** The event types of a workflow's history, e.g. for the bench's JSON (empty when it cannot be read). */
export async function historyTypes(client: Client, workflowId: string): Promise<string[]> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    // Each event carries exactly one `<type>EventAttributes` field: its name is the event type.
    return (history.events ?? []).map((e) => {
      const key = Object.keys(e).find(
        (k) => k.endsWith('EventAttributes') && (e as Record<string, unknown>)[k] != null,
      );
      return key ? key.replace(/EventAttributes$/, '') : String(e.eventType);
    });
  } catch {
    return [];
  }
}

/** How many history events a workflow wrote (0 when it cannot be read). */
export async function historyLength(client: Client, workflowId: string): Promise<number> {
  try {
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    return history.events?.length ?? 0;
  } catch {
    return 0;
  }
}
