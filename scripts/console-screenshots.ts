// Screenshots of the operator console for the docs: `npx tsx scripts/console-screenshots.ts
// [--out docs/console]` (or `npm run console:screenshots -- --out docs/console`).
// Builds the console, starts the same stack as the browser tests (`npm start` on a temp data dir,
// a loopback receiver, headless Chromium cut off from everything but the service), seeds realistic
// data through the REST API only, then saves full-page PNGs of the main screens in a 1280×800 window. Whatever it started
// is stopped at the end, on an error and on Ctrl-C.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { Page } from 'playwright-core';
import { startConsoleStack, type ConsoleStack } from '../test/console/stack';
import { waitUntil } from '../test/support/waitUntil';

const VIEWPORT = { width: 1280, height: 800 };
const root = resolve(import.meta.dirname, '..');

const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/console' } } });
const outDir = resolve(values.out);

function log(message: string): void {
  process.stdout.write(`[console-screenshots] ${message}\n`);
}

/** A JSON answer, read freely (typed as the stack's `call` types it). */
type Answer = Awaited<ReturnType<ConsoleStack['call']>>['body'];

/** A REST call that must succeed. */
async function ok(
  stack: ConsoleStack,
  method: string,
  path: string,
  body?: unknown,
  key?: string,
): Promise<Answer> {
  const res = await stack.call(method, path, body, key);
  if (res.status >= 300) throw new Error(`${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

interface Seeded {
  acmeAccountId: string;
  regularWebhookId: string;
  failedDeliveryId: string;
  eventId: string;
  betaChannelId: string;
}

/** Realistic data, through the public REST API only. */
async function seed(stack: ConsoleStack): Promise<Seeded> {
  log('seeding: accounts');
  const acme = await ok(stack, 'POST', '/v1/accounts', { name: 'ACME Fulfilment' }, stack.adminKey);
  await ok(stack, 'POST', `/v1/accounts/${acme.id}/keys`, undefined, stack.adminKey); // a rotation
  await ok(stack, 'GET', '/v1/account', undefined, acme.api_key as string); // so the key has a last use
  await ok(stack, 'POST', '/v1/accounts', { name: 'Nordic Retail Group' }, stack.adminKey);

  log('seeding: webhooks');
  const regular = await ok(stack, 'POST', '/v1/webhooks', {
    name: 'ACME picked orders',
    event_type: 'order.picked',
    scope: 'regular',
    goods_owner_id: 'GO-ACME',
    target_url: `${stack.receiver.url}/acme/orders`,
    retry_policy: 'one_day',
    secret_key: 'whsec_c2NyZWVuc2hvdHMtYXJlLW5vdC1zZWNyZXQ=',
    notify_email: 'ops@acme.example',
  });
  await ok(stack, 'POST', '/v1/webhooks', {
    name: 'Package tracking (all owners)',
    event_type: 'package.*',
    scope: 'automation',
    target_url: `${stack.receiver.url}/tracking/packages`,
    retry_policy: 'countdown',
    retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 2 } },
    max_attempts: 3,
    notify_email: 'tracking@example.com',
  });

  log('seeding: events and their deliveries');
  const picked: string[] = [];
  for (const [n, order] of [
    [1, 'SO-100231'],
    [2, 'SO-100232'],
  ] as const) {
    picked.push(
      (
        await ok(stack, 'POST', '/v1/events', {
          type: 'order.picked',
          goods_owner_id: 'GO-ACME',
          ordering_key: order,
          payload: { order_number: order, warehouse: 'WH-BERLIN-1', lines: n + 1, picker: `picker-${n}` },
        })
      ).id as string,
    );
  }
  const shipped = await ok(stack, 'POST', '/v1/events', {
    type: 'package.status.shipped',
    goods_owner_id: 'GO-ACME',
    payload: { package_id: 'PKG-88412', carrier: 'DHL', awb_number: '00340434161094042557' },
  });
  await ok(stack, 'POST', '/v1/events', {
    type: 'package.created',
    goods_owner_id: 'GO-NORDIC',
    payload: { package_id: 'PKG-88413', weight_grams: 1250 },
  });
  await ok(stack, 'POST', '/v1/events', {
    type: 'order.created',
    goods_owner_id: 'GO-NORDIC',
    payload: { order_number: 'SO-100240', lines: 2 },
  });

  const failedDeliveryId = await waitUntil(
    'the package delivery to fail',
    async () => {
      const event = await ok(stack, 'GET', `/v1/events/${shipped.id}`);
      const delivery = (event.deliveries as Array<{ id: string; status: string }>)[0];
      return delivery?.status === 'failed' ? delivery.id : undefined;
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );
  await waitUntil(
    'the order deliveries to arrive',
    async () => {
      const event = await ok(stack, 'GET', `/v1/events/${picked[0]}`);
      const delivery = (event.deliveries as Array<{ status: string }>)[0];
      return delivery?.status === 'delivered';
    },
    { timeoutMs: 60_000, intervalMs: 500 },
  );

  log('seeding: channels and recurring jobs');
  const beta = await ok(stack, 'POST', '/v1/channels', {
    name: 'Marketplace (beta)',
    kind: 'sales',
    release: 'beta',
    mode: 'recurring',
    connector: { url: `${stack.receiver.url}/connectors/marketplace` },
    recurring_jobs: { 'orders.import': { main_job_period: '8h', delay: '1h' } },
  });
  await ok(stack, 'POST', '/v1/channels', {
    name: 'Carrier push',
    kind: 'fulfillment',
    release: 'stable',
    mode: 'webhook',
    connector: { url: `${stack.receiver.url}/connectors/carrier` },
    webhook_jobs: {
      'shipments.export': { delay: '5m', emergency_job_period: '1h' },
      'orders.update_status': { delay: '1m', emergency_job_period: null },
    },
  });
  await ok(stack, 'POST', '/v1/channels', {
    name: 'Webshop',
    kind: 'sales',
    release: 'stable',
    mode: 'recurring',
    connector: { url: `${stack.receiver.url}/connectors/webshop` },
  });
  for (const [type, period] of [
    ['orders.import', '1h'],
    ['inventory.sync', '30m'],
    ['products.import', '1d'],
  ] as const) {
    await ok(stack, 'PUT', `/v1/recurring-jobs/${type}`, { enabled: true, period, shift: 'minimal' });
  }

  return {
    acmeAccountId: acme.id as string,
    regularWebhookId: regular.id as string,
    failedDeliveryId,
    eventId: picked[0]!,
    betaChannelId: beta.id as string,
  };
}

/** Opens a console path, waits for its heading and its data, and saves the PNG. */
async function shoot(stack: ConsoleStack, page: Page, path: string | null, file: string): Promise<void> {
  if (path !== null) await page.goto(`${stack.url}/console${path}`);
  await page.getByRole('heading', { level: 1 }).first().waitFor({ state: 'visible', timeout: 30_000 });
  await waitUntil(
    `${path ?? 'the page'} to load`,
    async () => (await page.getByText('Loading…', { exact: true }).count()) === 0,
    { timeoutMs: 30_000, intervalMs: 250 },
  );
  // Polling screens never go fully quiet; a short idle is enough for the first answers to land.
  await page.waitForLoadState('networkidle', { timeout: 5_000 }).catch(() => undefined);
  const target = join(outDir, file);
  // The whole page: detail screens (next run times, the attempts timeline) run below the fold.
  await page.screenshot({ path: target, fullPage: true });
  log(`saved ${target}`);
}

async function main(): Promise<void> {
  log('building the console');
  execFileSync(process.execPath, [join(root, 'scripts', 'build-console.mjs')], { stdio: 'inherit' });
  mkdirSync(outDir, { recursive: true });

  log('starting the stack (npm start on a temp data dir, receiver, Chromium)');
  let stack: ConsoleStack | undefined;
  let stopping: Promise<void> | undefined;
  const stop = () => (stopping ??= (stack?.close() ?? Promise.resolve()).then(() => log('stopped')));
  const onSignal = (signal: NodeJS.Signals) => {
    log(`${signal}: stopping`);
    void stop().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    stack = await startConsoleStack({
      // The tracking endpoint is broken (500); everything else answers 200.
      respond: (req, res) => {
        const failing = req.path.startsWith('/tracking');
        res
          .writeHead(failing ? 500 : 200, { 'content-type': 'application/json' })
          .end(failing ? '{"error":"tracking backend unavailable"}' : '{"ok":true}');
      },
    });
    log(`stack up at ${stack.url}`);
    const seeded = await seed(stack);

    log('taking screenshots');
    const page = await stack.newPage(VIEWPORT);
    await page.goto(`${stack.url}/console`);
    await shoot(stack, page, null, '01-sign-in.png');
    await stack.signIn(page);
    await shoot(stack, page, '/webhooks', '02-webhooks.png');
    await shoot(stack, page, `/webhooks/${seeded.regularWebhookId}`, '03-webhook-form.png');
    await shoot(stack, page, '/deliveries', '04-deliveries.png');
    await shoot(stack, page, `/deliveries/${seeded.failedDeliveryId}`, '05-delivery-failed-attempts.png');
    await shoot(stack, page, `/events/${seeded.eventId}`, '06-event.png');
    await shoot(stack, page, `/channels/${seeded.betaChannelId}`, '07-channel-next-runs.png');
    await shoot(stack, page, '/recurring-jobs', '08-recurring-jobs.png');
    await page.context().close();

    const admin = await stack.newPage(VIEWPORT);
    await stack.signIn(admin, stack.adminKey);
    await shoot(stack, admin, `/accounts?account=${seeded.acmeAccountId}`, '09-accounts.png');
    await admin.context().close();

    if (stack.offsite.length) throw new Error(`the console tried to reach: ${stack.offsite.join(', ')}`);
    log(`done: 9 screenshots in ${outDir}`);
  } finally {
    await stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`[console-screenshots] failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
