import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import type { AttemptArrival } from './ordering';

/**
 * How a faulty attempt misbehaves:
 * - `status500`: answers 500;
 * - `hang`: answers nothing and drops the connection after `hangMs` (past the webhook timeout);
 * - `reset`: destroys the connection as soon as the request arrived;
 * - `slow`: not a failure: the answer (200) comes after a pause within `slowMs`.
 */
export type Fault = 'status500' | 'hang' | 'reset' | 'slow';

export interface ReceiverOptions {
  /** Probability that a delivery is faulty: its attempts 1..faultAttempts misbehave. */
  failRate: number;
  fault: Fault;
  faultAttempts: number;
  hangMs: number;
  slowMs: [number, number];
  random: () => number;
  /** Keep every request in `attempts` (for the order and rate checks). */
  recordAttempts: boolean;
}

export interface Arrival {
  /** performance.now() when the successful attempt arrived. */
  at: number;
  attempt: number;
  deliveryId: string;
}

const DEFAULTS: ReceiverOptions = {
  failRate: 0,
  fault: 'status500',
  faultAttempts: 1,
  hangMs: 3000,
  slowMs: [200, 800],
  random: Math.random,
  recordAttempts: false,
};

/**
 * The benchmark's loopback target. Webhook number `h` posts to `/h/<h>`; the receiver records,
 * per (event id, webhook), the arrival of the first successful attempt, and counts every further
 * 2xx answer for the same event + delivery as a duplicate. The event id is the client's, from the
 * envelope's `event.uuid` (`webhook-id` is Switchyard's message id, which the bench never posts).
 */
export class BenchReceiver {
  readonly opts: ReceiverOptions;
  /** `<event id> <webhook number>` → first successful arrival. */
  readonly delivered = new Map<string, Arrival>();
  /** With `recordAttempts`: every request to a webhook path, in arrival order, answered 2xx or not. */
  readonly attempts: AttemptArrival[] = [];
  private readonly successes = new Map<string, number>();
  private readonly faulty = new Map<string, boolean>();
  duplicates = 0;
  requests = 0;
  injectedFaults = 0;
  /** Requests to `/direct` (the undici baseline), answered 200 and not recorded. */
  direct = 0;
  /** Requests being handled now, and the most at once: how many attempts the sender runs in parallel. */
  inFlight = 0;
  maxInFlight = 0;
  private readonly sockets = new Set<Socket>();
  private readonly server = createServer(
    { keepAliveTimeout: 30_000 },
    (req, res) => void this.handle(req, res),
  );
  onDelivered: ((key: string) => void) | undefined;

  private constructor(opts: Partial<ReceiverOptions>) {
    this.opts = { ...DEFAULTS, ...opts };
    this.server.maxRequestsPerSocket = 0;
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.once('close', () => this.sockets.delete(s));
    });
  }

  static async start(opts: Partial<ReceiverOptions> = {}): Promise<BenchReceiver> {
    const r = new BenchReceiver(opts);
    await new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Resets the fault plan (the drills reuse one receiver for several scenarios). */
  configure(opts: Partial<ReceiverOptions>): void {
    Object.assign(this.opts, opts);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.answer(req, res);
    } finally {
      this.inFlight--;
    }
  }

  private async answer(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.url === '/direct') {
      this.direct++;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' }).end('{"ok":true}');
      return;
    }
    this.requests++;
    const at = performance.now();
    const eventId = envelopeEventId(Buffer.concat(chunks));
    const deliveryId = String(req.headers['x-switchyard-delivery'] ?? '');
    const attempt = Number(req.headers['x-switchyard-attempt'] ?? 0);
    const hook = /^\/h\/(\d+)$/.exec(req.url ?? '')?.[1];
    if (!eventId || !deliveryId || hook === undefined) {
      res.writeHead(400).end();
      return;
    }
    const key = `${eventId} ${hook}`;
    const o = this.opts;
    let record: AttemptArrival | undefined;
    if (o.recordAttempts) {
      const messageId = String(req.headers['webhook-id'] ?? '');
      record = { at, webhook: Number(hook), messageId, deliveryId, attempt, ok: false };
      this.attempts.push(record);
    }
    let faulty = this.faulty.get(key);
    if (faulty === undefined) {
      faulty = o.failRate > 0 && o.random() < o.failRate;
      this.faulty.set(key, faulty);
    }
    if (faulty && attempt <= o.faultAttempts) {
      if (o.fault === 'status500') {
        this.injectedFaults++;
        res.writeHead(500, { 'content-type': 'text/plain' }).end('injected failure');
        return;
      }
      if (o.fault === 'reset') {
        this.injectedFaults++;
        req.socket.destroy();
        return;
      }
      if (o.fault === 'hang') {
        this.injectedFaults++;
        await new Promise((r) => setTimeout(r, o.hangMs));
        req.socket.destroy();
        return;
      }
      const [min, max] = o.slowMs;
      await new Promise((r) => setTimeout(r, min + o.random() * (max - min)));
      if (req.socket.destroyed) return; // the sender gave up: not a delivery
    }
    if (record) record.ok = true;
    const success = `${eventId} ${deliveryId}`;
    const seen = this.successes.get(success) ?? 0;
    this.successes.set(success, seen + 1);
    if (seen > 0) this.duplicates++;
    if (!this.delivered.has(key)) {
      this.delivered.set(key, { at, attempt, deliveryId });
      this.onDelivered?.(key);
    }
    res.writeHead(200, { 'content-type': 'application/json', 'content-length': '11' }).end('{"ok":true}');
  }

  /** Forgets every recorded arrival (between drills). */
  reset(): void {
    this.delivered.clear();
    this.attempts.length = 0;
    this.successes.clear();
    this.faulty.clear();
    this.duplicates = 0;
    this.requests = 0;
    this.injectedFaults = 0;
    this.direct = 0;
    this.maxInFlight = 0;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}

/** The client's event id from a delivery's envelope (`event.uuid`); '' for anything else. */
function envelopeEventId(body: Buffer): string {
  try {
    const uuid = (JSON.parse(body.toString('utf8')) as { event?: { uuid?: unknown } }).event?.uuid;
    return typeof uuid === 'string' ? uuid : '';
  } catch {
    return '';
  }
}
