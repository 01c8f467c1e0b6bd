// What the console's browser tests run on: `npm start` itself (embedded dev server with its Web UI,
// PGlite, worker, API and the built console), an account, a loopback receiver, and headless
// Debian Chromium whose every request to anything but the service and its Web UI is refused.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { launchChromium } from '../support/browser';
import { runScript, type Proc } from '../support/process';
import { Receiver, type Responder } from '../support/receiver';
import { freePort } from '../support/temporal';

export interface ConsoleStack {
  /** The API (and console) base URL, `http://127.0.0.1:<port>`. */
  url: string;
  uiUrl: string;
  adminKey: string;
  /** A fresh account's key. */
  accountKey: string;
  accountId: string;
  receiver: Receiver;
  browser: Browser;
  /** Requests the page tried to make to any other host (must stay empty). */
  offsite: string[];
  /** A new page (1280×800 unless told), network cut to the service and its Web UI. */
  newPage(viewport?: { width: number; height: number }): Promise<Page>;
  /** Opens /console on `page` and signs in with `key` (default: the account's). */
  signIn(page: Page, key?: string): Promise<void>;
  /** A REST call to the service, for arranging and for checking what the console did. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read JSON answers freely
  call(method: string, path: string, body?: unknown, key?: string): Promise<{ status: number; body: any }>;
  close(): Promise<void>;
}

export async function startConsoleStack(opts: { respond?: Responder } = {}): Promise<ConsoleStack> {
  const dataDir = mkdtempSync(join(tmpdir(), 'switchyard-console-'));
  const stops: Array<() => Promise<unknown>> = [];
  const close = async () => {
    for (const stop of stops.splice(0).reverse()) await stop().catch(() => undefined);
  };
  stops.push(async () => rmSync(dataDir, { recursive: true, force: true }));
  try {
    const receiver = await Receiver.start(opts.respond);
    stops.push(() => receiver.close());
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const proc: Proc = runScript('start', {
      SWITCHYARD_DATA_DIR: dataDir,
      PORT: String(port),
      HOST: '127.0.0.1',
      TEMPORAL_PORT: String(temporalPort),
      TEMPORAL_UI_PORT: String(uiPort),
      SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      LOG_LEVEL: 'warn',
    });
    // SIGTERM: the embedded dev server is stopped with it (a SIGKILL would leave it running).
    stops.push(() => proc.stop('SIGTERM'));
    await proc.waitForOutput('Switchyard is running.');
    const url = `http://127.0.0.1:${port}`;
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();

    const call: ConsoleStack['call'] = async (method, path, body, key) => {
      const res = await fetch(`${url}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${key ?? accountKey}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : undefined };
    };
    let accountKey = adminKey;
    const account = await call('POST', '/v1/accounts', { name: 'console-test' }, adminKey);
    if (account.status !== 201) throw new Error(`account: ${account.status} ${JSON.stringify(account.body)}`);
    accountKey = account.body.api_key as string;

    const browser = await launchChromium();
    stops.push(() => browser.close());
    const offsite: string[] = [];
    const allowed = new Set([new URL(url).host, new URL(uiUrl).host]);

    return {
      url,
      uiUrl,
      adminKey,
      accountKey,
      accountId: account.body.id as string,
      receiver,
      browser,
      offsite,
      async newPage(viewport = { width: 1280, height: 800 }) {
        const context = await browser.newContext({ viewport });
        await context.route('**/*', (route) => {
          const target = new URL(route.request().url());
          if (allowed.has(target.host) || target.protocol === 'data:') return route.continue();
          offsite.push(target.href);
          return route.abort();
        });
        const page = await context.newPage();
        page.setDefaultTimeout(20_000);
        return page;
      },
      async signIn(page, key = accountKey) {
        await page.goto(`${url}/console`);
        await page.getByLabel('API key', { exact: true }).fill(key);
        await page.getByRole('button', { name: 'Sign in', exact: true }).click();
        await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
      },
      call,
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}
