import { Pool } from 'undici';

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers are read freely
  body: any;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A keep-alive client of the Switchyard REST API (undici Pool, one connection per concurrent request). */
export class Api {
  readonly pool: Pool;

  constructor(
    readonly baseUrl: string,
    connections: number,
  ) {
    this.pool = new Pool(baseUrl, { connections, pipelining: 1, keepAliveTimeout: 30_000 });
  }

  async call(
    method: 'GET' | 'POST' | 'PATCH' | 'DELETE',
    path: string,
    key: string,
    body?: unknown,
  ): Promise<Answer> {
    const res = await this.pool.request({
      method,
      path,
      headers: {
        authorization: `Bearer ${key}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
      headersTimeout: 30_000,
      bodyTimeout: 30_000,
    });
    const text = await res.body.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.statusCode, body: parsed };
  }

  /** Waits until GET /readyz answers 200 (database and Temporal reachable). */
  async waitReady(timeoutMs = 120_000, alive: () => boolean = () => true): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let last = '';
    while (Date.now() < deadline) {
      if (!alive()) throw new Error('the API process exited');
      try {
        const r = await this.call('GET', '/readyz', '');
        if (r.status === 200) return;
        last = JSON.stringify(r.body);
      } catch (err) {
        last = (err as Error).message;
      }
      await sleep(250);
    }
    throw new Error(`the API at ${this.baseUrl} was not ready within ${timeoutMs / 1000} s: ${last}`);
  }

  async createAccount(adminKey: string, name: string): Promise<{ id: string; key: string }> {
    const r = await this.call('POST', '/v1/accounts', adminKey, { name });
    if (r.status !== 201)
      throw new Error(`POST /v1/accounts answered ${r.status}: ${JSON.stringify(r.body)}`);
    return { id: r.body.id, key: r.body.api_key };
  }

  /** `count` webhooks for `eventType`, webhook number h posting to `<receiverUrl>/h/<h>`. */
  async createWebhooks(
    key: string,
    count: number,
    o: {
      receiverUrl: string;
      eventType: string;
      countdownSeconds: number;
      maxAttempts: number;
      timeout: string;
      secretKey?: string;
      firstIndex?: number;
      /** The webhook's `delay` (wait before the first attempt), e.g. "2s". */
      delay?: string;
      /** Contract v2: `ordering` and `rate_limit` (sent only when given). */
      ordering?: 'none' | 'per_key';
      rateLimit?: { max: number; per: string };
    },
  ): Promise<string[]> {
    const ids: string[] = [];
    for (let h = o.firstIndex ?? 0; h < (o.firstIndex ?? 0) + count; h++) {
      const r = await this.call('POST', '/v1/webhooks', key, {
        name: `bench ${h}`,
        event_type: o.eventType,
        target_url: `${o.receiverUrl}/h/${h}`,
        retry_countdown_config: { choice: 'fixed', kwargs: { seconds: o.countdownSeconds } },
        max_attempts: o.maxAttempts,
        timeout: o.timeout,
        ...(o.secretKey ? { secret_key: o.secretKey } : {}),
        ...(o.delay ? { delay: o.delay } : {}),
        ...(o.ordering ? { ordering: o.ordering } : {}),
        ...(o.rateLimit ? { rate_limit: o.rateLimit } : {}),
      });
      if (r.status !== 201)
        throw new Error(`POST /v1/webhooks answered ${r.status}: ${JSON.stringify(r.body)}`);
      ids.push(r.body.id);
    }
    return ids;
  }

  async close(): Promise<void> {
    await this.pool.close();
  }
}

export interface PostResult {
  id: string;
  /** performance.now() when the first POST for this event started. */
  start: number;
  /** performance.now() when it was accepted (or finally refused). */
  end: number;
  status: number;
  accepted: boolean;
  tries: number;
  error?: string;
  /** From the accepting answer: the event's `message_id` (the `webhook-id` of its requests). */
  messageId?: string;
  /** The `ordering_key` it was posted with, if any. */
  orderingKey?: string;
}

export interface PostPlan {
  key: string;
  ids: string[];
  type: string;
  concurrency: number;
  /** Events per second (paced, open loop up to `concurrency` in flight); 0: as fast as possible. */
  rate: number;
  /** Extra tries for a refused POST (same id: ingestion is idempotent), as a real producer would. */
  retries: number;
  /** Bound on the whole posting phase. */
  deadlineMs: number;
  onDone?: (r: PostResult) => void;
  /** Every answer, including the refusals that are retried (drills count the 5xx during an outage). */
  onAnswer?: (status: number) => void;
  /** Stops posting new events (drills). */
  stop?: () => boolean;
  /**
   * The `ordering_key` of each id (same index). A key's events are posted one after another, each
   * after the previous one's answer, so their 202s come in list order; keys are posted
   * concurrently, `concurrency` requests in flight in all.
   */
  orderingKeys?: string[];
}

/** Posts one event per id at the given concurrency (and rate); returns one result per id that was tried. */
export async function postEvents(api: Api, plan: PostPlan): Promise<PostResult[]> {
  const results: PostResult[] = [];
  const t0 = performance.now();
  const deadline = t0 + plan.deadlineMs;
  const stopped = () => performance.now() > deadline || Boolean(plan.stop?.());
  const payload = { order_id: 'ORD-1', lines: [{ sku: 'SKU-1', qty: 2 }], note: 'switchyard bench' };
  /** Paced posting: waits until event i is due. */
  const pace = async (i: number) => {
    const wait = t0 + (i * 1000) / plan.rate - performance.now();
    if (wait > 0) await sleep(wait);
  };
  const post = async (i: number) => {
    const id = plan.ids[i]!;
    const orderingKey = plan.orderingKeys?.[i];
    const body =
      orderingKey === undefined
        ? { id, type: plan.type, payload }
        : { id, type: plan.type, ordering_key: orderingKey, payload };
    const r: PostResult = { id, start: performance.now(), end: 0, status: 0, accepted: false, tries: 0 };
    if (orderingKey !== undefined) r.orderingKey = orderingKey;
    for (let t = 0; t <= plan.retries && performance.now() < deadline; t++) {
      r.tries++;
      try {
        const a = await api.call('POST', '/v1/events', plan.key, body);
        r.status = a.status;
        plan.onAnswer?.(a.status);
        if (a.status === 202 || a.status === 200) {
          r.accepted = true;
          r.messageId = a.body?.message_id;
          break;
        }
        r.error = JSON.stringify(a.body)?.slice(0, 300);
      } catch (err) {
        r.status = 0;
        r.error = (err as Error).message;
      }
      if (t < plan.retries) await sleep(Math.min(250 * 2 ** t, 2000));
    }
    r.end = performance.now();
    results.push(r);
    plan.onDone?.(r);
  };
  const lanes = Math.max(1, plan.concurrency);
  if (plan.orderingKeys) {
    // One chain per key, in list order; a shared limit keeps `concurrency` posts in flight.
    const byKey = new Map<string, number[]>();
    plan.orderingKeys.forEach((key, i) => {
      if (i >= plan.ids.length) return;
      const chain = byKey.get(key);
      if (chain) chain.push(i);
      else byKey.set(key, [i]);
    });
    const limit = limiter(lanes);
    await Promise.all(
      [...byKey.values()].map(async (chain) => {
        for (const i of chain) {
          if (plan.rate > 0) await pace(i);
          if (stopped()) return;
          await limit(() => post(i));
        }
      }),
    );
    return results;
  }
  let next = 0;
  const lane = async () => {
    for (;;) {
      const i = next++;
      if (i >= plan.ids.length || stopped()) return;
      if (plan.rate > 0) await pace(i);
      await post(i);
    }
  };
  await Promise.all(Array.from({ length: lanes }, lane));
  return results;
}

/** Runs at most `n` of the functions given to it at once, the others in the order they came. */
function limiter(n: number): <T>(fn: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (active < n) active++;
    else await new Promise<void>((wake) => waiting.push(wake));
    try {
      return await fn();
    } finally {
      // Hand the slot to the next in line, or free it.
      const wake = waiting.shift();
      if (wake) wake();
      else active--;
    }
  };
}
