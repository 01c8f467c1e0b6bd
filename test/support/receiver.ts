import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  /** Name, value, name, value... as sent: repeated headers stay apart (Node merges or drops them in `headers`). */
  rawHeaders: string[];
  body: string;
  at: number;
}

export type Responder = (req: Received, res: ServerResponse) => void | Promise<void>;

/** A real HTTP server on loopback that records every request it gets. */
export class Receiver {
  readonly requests: Received[] = [];
  private waiters: Array<{ n: number; resolve: () => void }> = [];
  private readonly server = createServer((req, res) => void this.handle(req, res));
  responder: Responder = (_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
  };

  static async start(responder?: Responder): Promise<Receiver> {
    const r = new Receiver();
    if (responder) r.responder = responder;
    await new Promise<void>((done) => r.server.listen(0, '127.0.0.1', done));
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const received: Received = {
      method: req.method ?? '',
      path: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString('utf8'),
      at: Date.now(),
    };
    this.requests.push(received);
    try {
      await this.responder(received, res);
    } catch {
      if (!res.headersSent) res.writeHead(500).end();
    }
    this.waiters = this.waiters.filter((w) => {
      if (this.requests.length >= w.n) w.resolve();
      return this.requests.length < w.n;
    });
  }

  /** Resolves once `n` requests have arrived (or rejects after `timeoutMs` of real time). */
  waitFor(n: number, timeoutMs = 30_000): Promise<void> {
    if (this.requests.length >= n) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`receiver got ${this.requests.length} of ${n} requests`)),
        timeoutMs,
      );
      this.waiters.push({
        n,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
  }

  async close(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((done) => this.server.close(() => done()));
  }
}
