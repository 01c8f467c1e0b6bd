import type { ServerResponse } from 'node:http';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Received } from '../support/receiver';
import { startConsoleStack, type ConsoleStack } from './stack';

const WAIT = { timeout: 30_000 };

/**
 * The Deliveries and Events screens in Chromium, checked against the REST API. The receiver
 * answers per path, so each test has its own target (`/<name>`) and decides its answers.
 */
describe('the Deliveries and Events screens', () => {
  let stack: ConsoleStack;
  const answers = new Map<string, (req: Received, res: ServerResponse) => void | Promise<void>>();

  beforeAll(async () => {
    stack = await startConsoleStack();
    stack.receiver.responder = async (req, res) => {
      const answer = answers.get(req.path);
      if (answer) return answer(req, res);
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    };
  });
  afterAll(async () => {
    await stack?.close();
  });

  function status(code: number, body = '{"error":"boom"}') {
    return (_req: Received, res: ServerResponse) => {
      res.writeHead(code, { 'content-type': 'application/json' }).end(body);
    };
  }

  async function createWebhook(body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await stack.call('POST', '/v1/webhooks', body);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    return res.body as { id: string };
  }

  async function postEvent(body: Record<string, unknown>): Promise<{ id: string }> {
    const res = await stack.call('POST', '/v1/events', body);
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    return res.body as { id: string };
  }

  async function deliveriesOf(webhookId: string) {
    const res = await stack.call('GET', `/v1/deliveries?webhook_id=${webhookId}`);
    expect(res.status).toBe(200);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers
    return res.body.data as any[];
  }

  /** A marker in the page's window: still there at the end means the page was never reloaded. */
  async function markPage(page: Page) {
    await page.evaluate('window.__noReload = true');
  }
  async function notReloaded(page: Page): Promise<boolean> {
    return page.evaluate<boolean>('window.__noReload === true');
  }

  const facts = (page: Page) => page.getByRole('region', { name: 'Delivery facts', exact: true });
  const attempt = (page: Page, n: number) =>
    page.getByRole('list', { name: 'Attempts', exact: true }).getByRole('listitem', {
      name: `Attempt ${n}`,
      exact: true,
    });

  it('watches a failing delivery retry and fail, then succeed after Retry, without a reload', async () => {
    // Attempt 1 answers 500 at once; attempt 2 is held until the page has shown attempt 1 alone,
    // so the test sees the timeline grow while it watches; attempt 3 answers 500 too.
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    let code = 500;
    answers.set('/live', async (req, res) => {
      if (req.headers['x-switchyard-attempt'] === '2') await held;
      res.writeHead(code, { 'content-type': 'application/json' }).end(`{"answer":${code}}`);
    });
    const webhook = await createWebhook({
      name: 'Live orders',
      event_type: 'order.*',
      target_url: `${stack.receiver.url}/live`,
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 2 } },
      max_attempts: 3,
      timeout: '60s',
    });
    await postEvent({ type: 'order.created', goods_owner_id: 'go-live', payload: { order: 'A-1' } });
    await expect.poll(async () => (await deliveriesOf(webhook.id)).length, WAIT).toBe(1);
    const [delivery] = await deliveriesOf(webhook.id);

    const page = await stack.newPage();
    await stack.signIn(page);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Deliveries', exact: true })
      .click();
    await page.getByLabel('Webhook', { exact: true }).selectOption({ label: 'Live orders' });
    expect(new URL(page.url()).searchParams.get('webhook_id')).toBe(webhook.id);
    await page.getByRole('link', { name: delivery.id, exact: true }).click();
    await page.getByRole('heading', { name: `Delivery ${delivery.id}`, exact: true }).waitFor();
    await markPage(page);

    await expect.poll(() => attempt(page, 1).getByText('500', { exact: true }).count(), WAIT).toBe(1);
    expect(await attempt(page, 2).count()).toBe(0);
    expect(await facts(page).getByText('pending', { exact: true }).count()).toBe(1);
    release();
    await expect.poll(() => attempt(page, 2).getByText('500', { exact: true }).count(), WAIT).toBe(1);
    await expect.poll(() => attempt(page, 3).getByText('500', { exact: true }).count(), WAIT).toBe(1);
    await expect.poll(() => facts(page).getByText('failed', { exact: true }).count(), WAIT).toBe(1);
    // Cancel is only offered while pending.
    expect(await page.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
    expect((await stack.call('GET', `/v1/deliveries/${delivery.id}`)).body.status).toBe('failed');

    code = 200;
    await page.getByRole('button', { name: 'Retry', exact: true }).click();
    await expect.poll(() => attempt(page, 4).getByText('200', { exact: true }).count(), WAIT).toBe(1);
    await expect.poll(() => facts(page).getByText('delivered', { exact: true }).count(), WAIT).toBe(1);
    expect(await notReloaded(page)).toBe(true);

    const after = (await stack.call('GET', `/v1/deliveries/${delivery.id}`)).body;
    expect(after.status).toBe('delivered');
    expect(after.attempts.map((a: { status_code: number }) => a.status_code)).toEqual([500, 500, 500, 200]);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('cancels a pending delivery behind a confirmation, and links its workflow to the Temporal UI', async () => {
    answers.set('/long', status(500));
    const webhook = await createWebhook({
      name: 'Long countdown',
      event_type: 'order.*',
      target_url: `${stack.receiver.url}/long`,
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'fixed', kwargs: { seconds: 3600 } },
      max_attempts: 3,
    });
    await postEvent({ type: 'order.picked', goods_owner_id: 'go-long', payload: { order: 'B-1' } });
    await expect.poll(async () => (await deliveriesOf(webhook.id))[0]?.attempts.length ?? 0, WAIT).toBe(1);
    const [delivery] = await deliveriesOf(webhook.id);
    expect(delivery.status).toBe('pending');

    const page = await stack.newPage();
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/deliveries/${delivery.id}`);
    await expect.poll(() => attempt(page, 1).getByText('500', { exact: true }).count(), WAIT).toBe(1);
    await page.getByRole('listitem', { name: 'Next attempt', exact: true }).waitFor();

    // Open in Temporal UI: the embedded Web UI's page of this delivery's workflow.
    const link = page.getByRole('link', { name: 'Open in Temporal UI', exact: true });
    const href = await link.getAttribute('href');
    // The workflow id is percent-encoded in the path (its `:`s as %3A): the same URL once decoded.
    expect(decodeURIComponent(href ?? '')).toBe(
      `${stack.uiUrl}/namespaces/default/workflows/${delivery.workflow_id}`,
    );

    // Keep it closes the dialog and changes nothing.
    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Cancel this delivery?', exact: true });
    await dialog.getByRole('button', { name: 'Keep it', exact: true }).click();
    await expect.poll(() => dialog.count()).toBe(0);
    expect((await stack.call('GET', `/v1/deliveries/${delivery.id}`)).body.status).toBe('pending');

    await page.getByRole('button', { name: 'Cancel', exact: true }).click();
    await dialog.getByRole('button', { name: 'Cancel delivery', exact: true }).click();
    await expect.poll(() => facts(page).getByText('cancelled', { exact: true }).count(), WAIT).toBe(1);
    expect((await stack.call('GET', `/v1/deliveries/${delivery.id}`)).body.status).toBe('cancelled');
    await expect.poll(() => page.getByRole('button', { name: 'Cancel', exact: true }).count()).toBe(0);
    expect(stack.offsite).toEqual([]);

    // The link opens the Web UI (allowed on loopback by the stack), which shows the workflow id.
    // The embedded Web UI runs with --ui-disable-news-fetch: it too asks nothing of any other host.
    const ui = await stack.newPage();
    await ui.goto(href as string);
    await expect
      .poll(() => ui.getByText(delivery.workflow_id).count(), { timeout: 60_000 })
      .toBeGreaterThan(0);
    await ui.context().close();
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('recovers a failed delivery since a time (UTC) from the Deliveries screen', async () => {
    answers.set('/recover', status(500));
    const webhook = await createWebhook({
      name: 'Recoverable',
      event_type: 'order.*',
      target_url: `${stack.receiver.url}/recover`,
      retry_policy: 'none',
    });
    await postEvent({ type: 'order.status.changed', goods_owner_id: 'go-rec', payload: { order: 'C-1' } });
    await expect.poll(async () => (await deliveriesOf(webhook.id))[0]?.status, WAIT).toBe('failed');
    const [delivery] = await deliveriesOf(webhook.id);

    const page = await stack.newPage();
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/deliveries?webhook_id=${webhook.id}`);
    await expect.poll(() => page.getByRole('link', { name: delivery.id, exact: true }).count(), WAIT).toBe(1);
    expect(await page.getByLabel('Webhook', { exact: true }).inputValue()).toBe(webhook.id);

    // No time at all: the API's message shows at the Since field.
    await page.getByRole('button', { name: 'Recover', exact: true }).click();
    const since = page.getByLabel('Since', { exact: true });
    await expect.poll(() => since.getAttribute('aria-invalid')).toBe('true');

    answers.set('/recover', status(200, '{"ok":true}'));
    const before = new Date(Date.parse(delivery.created_at) - 60_000).toISOString().slice(0, 19);
    await since.fill(before);
    await page.getByRole('button', { name: 'Recover', exact: true }).click();
    await expect.poll(() => page.getByText('1 delivery resent', { exact: true }).count(), WAIT).toBe(1);
    expect(['pending', 'delivered']).toContain(
      (await stack.call('GET', `/v1/deliveries/${delivery.id}`)).body.status,
    );
    await expect
      .poll(async () => (await stack.call('GET', `/v1/deliveries/${delivery.id}`)).body.status, WAIT)
      .toBe('delivered');
    // The list (polled) shows it delivered too.
    await page.getByLabel('Status', { exact: true }).selectOption('delivered');
    await expect.poll(() => page.getByRole('link', { name: delivery.id, exact: true }).count(), WAIT).toBe(1);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('filters events by type and goods owner, opens one by id, and shows its payload and delivery', async () => {
    const webhook = await createWebhook({
      name: 'Packages',
      event_type: 'package.*',
      target_url: `${stack.receiver.url}/packages`,
    });
    const pkg = await postEvent({
      id: 'ev-pkg-1',
      type: 'package.created',
      goods_owner_id: 'go-alpha',
      payload: { package_id: 'PKG-42', lines: [{ sku: 'SKU-1', qty: 2 }] },
    });
    const shp = await postEvent({
      id: 'ev-shp-1',
      type: 'shipment.created',
      goods_owner_id: 'go-beta',
      payload: { shipment_id: 'SHP-7' },
    });

    const page = await stack.newPage();
    await stack.signIn(page);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Events', exact: true })
      .click();
    await expect.poll(() => page.getByRole('link', { name: shp.id, exact: true }).count(), WAIT).toBe(1);

    await page.getByLabel('Type', { exact: true }).selectOption('package.created');
    await expect.poll(() => page.getByRole('link', { name: shp.id, exact: true }).count(), WAIT).toBe(0);
    await expect.poll(() => page.getByRole('link', { name: pkg.id, exact: true }).count(), WAIT).toBe(1);

    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'Any' });
    await page.getByLabel('Goods owner', { exact: true }).fill('go-beta');
    await expect.poll(() => page.getByRole('link', { name: pkg.id, exact: true }).count(), WAIT).toBe(0);
    await expect.poll(() => page.getByRole('link', { name: shp.id, exact: true }).count(), WAIT).toBe(1);
    expect(new URL(page.url()).searchParams.get('goods_owner_id')).toBe('go-beta');

    // Open by id: an unknown one is refused at the field, a known one opens its page.
    await page.getByLabel('Event ID', { exact: true }).fill('ev-nope');
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await expect.poll(() => page.getByText('No event with that id', { exact: true }).count(), WAIT).toBe(1);
    await page.getByLabel('Event ID', { exact: true }).fill(pkg.id);
    await page.getByRole('button', { name: 'Open', exact: true }).click();
    await page.getByRole('heading', { name: `Event ${pkg.id}`, exact: true }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/console/events/${pkg.id}`);

    const payload = await page
      .getByRole('heading', { name: 'Payload', exact: true })
      .evaluate((h) => h.nextElementSibling?.textContent ?? '');
    expect(JSON.parse(payload)).toEqual({ package_id: 'PKG-42', lines: [{ sku: 'SKU-1', qty: 2 }] });

    const api = (await stack.call('GET', `/v1/events/${pkg.id}`)).body;
    expect(api.deliveries).toHaveLength(1);
    expect(api.deliveries[0].webhook_id).toBe(webhook.id);
    await page.getByRole('link', { name: api.deliveries[0].id, exact: true }).click();
    await page.getByRole('heading', { name: `Delivery ${api.deliveries[0].id}`, exact: true }).waitFor();
    await expect.poll(() => facts(page).getByText('delivered', { exact: true }).count(), WAIT).toBe(1);
    expect(await facts(page).getByRole('link', { name: pkg.id, exact: true }).count()).toBe(1);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('reads at a narrow width', async () => {
    const page = await stack.newPage({ width: 400, height: 800 });
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/deliveries`);
    await page.getByLabel('Status', { exact: true }).waitFor();
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    expect(overflow).toBeLessThanOrEqual(0);
    await page.context().close();
  });
});
