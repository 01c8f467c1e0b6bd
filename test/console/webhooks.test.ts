import { createHmac } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleStack, type ConsoleStack } from './stack';

const WAIT = { timeout: 30_000 };

/** The text of the elements an input's aria-describedby names (its hint and its errors). */
async function describedBy(input: Locator): Promise<string> {
  const ids = (await input.getAttribute('aria-describedby')) ?? '';
  const page = input.page();
  const texts = await Promise.all(
    ids
      .split(/\s+/)
      .filter(Boolean)
      .map((id) => page.locator(`[id="${id}"]`).innerText()),
  );
  return texts.join(' | ');
}

describe('the Webhooks screens in Chromium', () => {
  let stack: ConsoleStack;
  beforeAll(async () => {
    stack = await startConsoleStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  const field = (page: Page, name: string) => page.getByLabel(name, { exact: true });
  const button = (page: Page, name: string) => page.getByRole('button', { name, exact: true });

  async function openList(page: Page) {
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Webhooks', exact: true })
      .click();
    await page.getByRole('heading', { name: 'Webhooks', exact: true }).waitFor();
  }

  async function webhookCount(): Promise<number> {
    const list = await stack.call('GET', '/v1/webhooks?limit=100');
    return (list.body.data as unknown[]).length;
  }

  /** The id of the webhook page the browser is on. */
  async function webhookIdOf(page: Page): Promise<string> {
    await page.waitForURL(/\/console\/webhooks\/(?!new)[^/?]+$/, WAIT);
    return decodeURIComponent(new URL(page.url()).pathname.split('/').pop() as string);
  }

  it('creates a regular webhook for order picked for goods owner X and tests it: signed, HTTP 200', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);
    await openList(page);
    await expect.poll(() => page.getByText('No webhooks yet', { exact: true }).count(), WAIT).toBe(1);

    await button(page, 'Create new regular webhook').click();
    await field(page, 'Name').fill('Picked for X');
    await field(page, 'Event type').selectOption('order.picked');
    await field(page, 'Target URL').fill(`${stack.receiver.url}/hooks/picked`);
    await field(page, 'Goods owner').fill('GO-X');
    await field(page, 'Retry policy').selectOption({ label: 'Countdown' });
    await field(page, 'Countdown strategy').selectOption({ label: 'Exponential' });
    // Only the chosen strategy's fields are shown.
    expect(await field(page, 'Seconds').count()).toBe(0);
    expect(await field(page, 'Min value').count()).toBe(0);
    await field(page, 'Base').fill('2');
    await field(page, 'Factor').fill('5');
    await field(page, 'Limit').fill('3600');
    await field(page, 'Secret key').fill('console-secret-1');
    await field(page, 'Email').fill('ops@example.com');
    await field(page, 'Delay').fill('5m');
    await button(page, 'Save').click();

    const id = await webhookIdOf(page);
    const got = await stack.call('GET', `/v1/webhooks/${id}`);
    expect(got.status).toBe(200);
    expect(got.body).toMatchObject({
      name: 'Picked for X',
      event_type: 'order.picked',
      target_url: `${stack.receiver.url}/hooks/picked`,
      scope: 'regular',
      goods_owner_id: 'GO-X',
      retry_policy: 'countdown',
      retry_countdown_config: { choice: 'exponential', kwargs: { base: 2, factor: 5, limit: 3600 } },
      max_attempts: 11,
      delay: '5m',
      timeout: '10s',
      has_secret_key: true,
      notify_email: 'ops@example.com',
      enabled: true,
      ordering: 'none',
      rate_limit: null,
      filter: null,
      auth: null,
      additional_headers: null,
    });

    const before = stack.receiver.requests.length;
    await button(page, 'Test').click();
    await expect.poll(() => page.getByText('HTTP 200', { exact: true }).count(), WAIT).toBe(1);
    const test = stack.receiver.requests
      .slice(before)
      .find((r) => r.path === '/hooks/picked' && r.headers['x-switchyard-event'] === 'webhook.test');
    expect(test).toBeDefined();
    const msgId = String(test!.headers['webhook-id']);
    const ts = String(test!.headers['webhook-timestamp']);
    const expected = createHmac('sha256', Buffer.from('console-secret-1', 'utf8'))
      .update(`${msgId}.${ts}.${test!.body}`)
      .digest('base64');
    expect(String(test!.headers['webhook-signature']).split(' ')).toContain(`v1,${expected}`);

    // The result links to the delivery the API recorded.
    const deliveries = await stack.call('GET', `/v1/deliveries?webhook_id=${id}`);
    const deliveryId = deliveries.body.data[0].id as string;
    expect(await page.getByRole('link', { name: 'Open delivery', exact: true }).getAttribute('href')).toBe(
      `/console/deliveries/${deliveryId}`,
    );
    expect(await page.getByRole('link', { name: 'Delivery log', exact: true }).getAttribute('href')).toBe(
      `/console/deliveries?webhook_id=${id}`,
    );
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('creates an automation webhook: no Goods owner field, scope automation with no goods owner', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);
    await openList(page);
    await button(page, 'Create new automation webhook').click();
    await field(page, 'Name').waitFor();
    expect(await field(page, 'Goods owner').count()).toBe(0);
    await field(page, 'Name').fill('Every package');
    await field(page, 'Event type').selectOption('package.*');
    await field(page, 'Target URL').fill(`${stack.receiver.url}/hooks/auto`);
    await field(page, 'Retry policy').selectOption({ label: 'None' });
    await field(page, 'Timeout').fill('20s');
    await field(page, 'Ordering').selectOption({ label: 'Per key' });
    await field(page, 'Rate limit max').fill('5');
    await field(page, 'Rate limit per').fill('1s');
    await field(page, 'Filter').fill('{"payload.status": {"$in": ["shipped"]}}');
    await field(page, 'Auth').selectOption({ label: 'Bearer' });
    await field(page, 'Token').fill('tok-123');
    await button(page, 'Save').click();

    const id = await webhookIdOf(page);
    const got = await stack.call('GET', `/v1/webhooks/${id}`);
    expect(got.body).toMatchObject({
      name: 'Every package',
      event_type: 'package.*',
      scope: 'automation',
      goods_owner_id: null,
      retry_policy: 'none',
      retry_countdown_config: null,
      timeout: '20s',
      delay: null,
      ordering: 'per_key',
      rate_limit: { max: 5, per: '1s' },
      filter: { 'payload.status': { $in: ['shipped'] } },
      auth: { type: 'bearer' },
      has_secret_key: false,
      notify_email: null,
    });
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('shows validation errors at their fields and creates nothing', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);
    const count = await webhookCount();
    await page.goto(`${stack.url}/console/webhooks/new?scope=regular`);
    await field(page, 'Name').fill('Invalid');
    await field(page, 'Event type').selectOption('order.picked');
    await field(page, 'Target URL').fill('not a url');
    await field(page, 'Goods owner').fill('GO-X');
    await button(page, 'Save').click();

    const target = field(page, 'Target URL');
    await expect.poll(() => target.getAttribute('aria-invalid'), WAIT).toBe('true');
    expect(await describedBy(target)).toContain('must be an http:// or https:// URL');
    expect(await field(page, 'Name').getAttribute('aria-invalid')).toBeNull();
    expect(await webhookCount()).toBe(count);

    // Countdown, Fixed, Seconds empty → the error is at Seconds.
    await target.fill(`${stack.receiver.url}/hooks/invalid`);
    await field(page, 'Retry policy').selectOption({ label: 'Countdown' });
    await field(page, 'Countdown strategy').selectOption({ label: 'Fixed' });
    await button(page, 'Save').click();
    const seconds = field(page, 'Seconds');
    await expect.poll(() => seconds.getAttribute('aria-invalid'), WAIT).toBe('true');
    expect(await target.getAttribute('aria-invalid')).toBeNull();
    expect(await webhookCount()).toBe(count);

    // Negative → still at Seconds, with the API's word for it.
    await seconds.fill('-5');
    await button(page, 'Save').click();
    await expect.poll(() => describedBy(seconds), WAIT).toMatch(/>=\s*0|too small/i);
    expect(await seconds.getAttribute('aria-invalid')).toBe('true');
    expect(await webhookCount()).toBe(count);

    // A filter that is not JSON: an error at Filter, and the API is not asked.
    await seconds.fill('30');
    await field(page, 'Filter').fill('{"payload.status": ');
    const requests: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET') requests.push(`${r.method()} ${r.url()}`);
    });
    await button(page, 'Save').click();
    await expect.poll(() => field(page, 'Filter').getAttribute('aria-invalid'), WAIT).toBe('true');
    expect(await describedBy(field(page, 'Filter'))).toContain('not valid JSON');
    expect(await seconds.getAttribute('aria-invalid')).toBeNull();
    expect(requests).toEqual([]);
    expect(await webhookCount()).toBe(count);

    // Fixed, the form saves.
    await field(page, 'Filter').fill('');
    await button(page, 'Save').click();
    const id = await webhookIdOf(page);
    const got = await stack.call('GET', `/v1/webhooks/${id}`);
    expect(got.body.retry_countdown_config).toEqual({ choice: 'fixed', kwargs: { seconds: 30 } });
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('edits a webhook: Enabled off and a new Delay are saved; masked headers keep their values', async () => {
    const created = await stack.call('POST', '/v1/webhooks', {
      name: 'Edit me',
      event_type: 'order.created',
      target_url: `${stack.receiver.url}/hooks/edit`,
      additional_headers: { 'X-Team': 'blue', 'X-Other': 'keep' },
      secret_key: 'edit-secret',
      auth: { type: 'basic', username: 'ops', password: 'pw' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const page = await stack.newPage();
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/webhooks/${id}`);
    await page.getByRole('heading', { name: 'Edit me', exact: true }).waitFor();
    expect(await page.getByLabel('Header 1 value', { exact: true }).inputValue()).toBe('***');
    expect(await field(page, 'Username').inputValue()).toBe('ops');
    expect(await page.getByText('A secret is set', { exact: false }).count()).toBeGreaterThan(0);

    await field(page, 'Enabled').uncheck();
    await field(page, 'Delay').fill('10m');
    // One header changed, one left masked.
    await page.getByLabel('Header 2 value', { exact: true }).fill('changed');
    await button(page, 'Save').click();
    await expect.poll(() => page.getByText('Saved.', { exact: true }).count(), WAIT).toBe(1);

    const got = await stack.call('GET', `/v1/webhooks/${id}`);
    expect(got.body).toMatchObject({
      enabled: false,
      delay: '10m',
      has_secret_key: true,
      auth: { type: 'basic', username: 'ops' },
      additional_headers: { 'X-Team': '***', 'X-Other': '***' },
    });

    // What the target receives proves the stored values: the masked one kept, the typed one changed.
    expect((await stack.call('PATCH', `/v1/webhooks/${id}`, { enabled: true })).status).toBe(200);
    const tested = await stack.call('POST', `/v1/webhooks/${id}/test?wait=true`);
    expect(tested.status).toBe(200);
    const req = stack.receiver.requests.filter((r) => r.path === '/hooks/edit').pop();
    expect(req?.headers['x-team']).toBe('blue');
    expect(req?.headers['x-other']).toBe('changed');
    expect(req?.headers.authorization).toBe(`Basic ${Buffer.from('ops:pw').toString('base64')}`);
    expect(req?.headers['webhook-signature']).toMatch(/^v1,/);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('deletes only after confirmation: Keep it keeps the webhook, confirming deletes it', async () => {
    const created = await stack.call('POST', '/v1/webhooks', {
      name: 'Delete me',
      event_type: 'order.created',
      target_url: `${stack.receiver.url}/hooks/delete`,
    });
    const id = created.body.id as string;
    const page = await stack.newPage();
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/webhooks/${id}`);
    await page.getByRole('heading', { name: 'Delete me', exact: true }).waitFor();

    await button(page, 'Delete').click();
    const dialog = page.getByRole('dialog', { name: 'Delete this webhook?' });
    await dialog.waitFor();
    await dialog.getByRole('button', { name: 'Keep it', exact: true }).click();
    await expect.poll(() => dialog.count(), WAIT).toBe(0);
    expect((await stack.call('GET', `/v1/webhooks/${id}`)).status).toBe(200);

    await button(page, 'Delete').click();
    await dialog.getByRole('button', { name: 'Delete webhook', exact: true }).click();
    await page.waitForURL(/\/console\/webhooks$/, WAIT);
    expect((await stack.call('GET', `/v1/webhooks/${id}`)).status).toBe(404);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('lists webhooks with their last delivery result after a Test, also on a narrow window', async () => {
    const created = await stack.call('POST', '/v1/webhooks', {
      name: 'Listed hook',
      event_type: 'order.status.changed',
      target_url: `${stack.receiver.url}/hooks/listed`,
    });
    const id = created.body.id as string;
    const page = await stack.newPage({ width: 400, height: 800 });
    await stack.signIn(page);
    await openList(page);
    const row = page
      .getByRole('row')
      .filter({ has: page.getByRole('link', { name: 'Listed hook', exact: true }) });
    await row.waitFor(WAIT);
    await expect.poll(() => row.getByText('none yet', { exact: true }).count(), WAIT).toBe(1);
    expect(await row.getByText('Automation · every goods owner', { exact: true }).count()).toBe(1);

    await row.getByRole('button', { name: 'Test', exact: true }).click();
    const deliveries = async () => (await stack.call('GET', `/v1/deliveries?webhook_id=${id}`)).body.data;
    await expect.poll(async () => (await deliveries()).length, WAIT).toBe(1);
    const deliveryId = (await deliveries())[0].id as string;
    const last = row.locator(`a[href="/console/deliveries/${deliveryId}"]`).first();
    await expect.poll(() => last.count(), WAIT).toBeGreaterThan(0);
    await expect.poll(() => row.locator('a.last-delivery').innerText(), WAIT).toMatch(/delivered\s+HTTP 200/);

    // The Name link opens the webhook's page.
    await row.getByRole('link', { name: 'Listed hook', exact: true }).click();
    expect(await webhookIdOf(page)).toBe(id);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });
  it('rotates the secret behind a confirmation and shows the new one once', async () => {
    const created = await stack.call('POST', '/v1/webhooks', {
      name: 'Rotate me',
      event_type: 'order.created',
      target_url: `${stack.receiver.url}/hooks/rotate`,
      secret_key: 'old-secret',
    });
    const id = created.body.id as string;
    const page = await stack.newPage();
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/webhooks/${id}`);
    await page.getByRole('heading', { name: 'Rotate me', exact: true }).waitFor();
    await button(page, 'Rotate secret').click();
    const dialog = page.getByRole('dialog', { name: 'Rotate the signing secret?' });
    await dialog.getByRole('button', { name: 'Rotate now', exact: true }).click();
    const shown = page.getByLabel('New secret key', { exact: true });
    await shown.waitFor(WAIT);
    const secret = await shown.innerText();
    expect(secret).toMatch(/^whsec_/);
    const got = await stack.call('GET', `/v1/webhooks/${id}`);
    expect(got.body.old_secret_expires_at).not.toBeNull();

    // The next request is signed with the new secret (first) and the old one.
    expect((await stack.call('POST', `/v1/webhooks/${id}/test?wait=true`)).status).toBe(200);
    const req = stack.receiver.requests.filter((r) => r.path === '/hooks/rotate').pop()!;
    const sign = (key: Buffer) =>
      createHmac('sha256', key)
        .update(
          `${String(req.headers['webhook-id'])}.${String(req.headers['webhook-timestamp'])}.${req.body}`,
        )
        .digest('base64');
    expect(String(req.headers['webhook-signature'])).toBe(
      `v1,${sign(Buffer.from(secret.slice('whsec_'.length), 'base64'))} v1,${sign(Buffer.from('old-secret'))}`,
    );
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('pages the list with the API cursors', async () => {
    for (let i = 0; i < 20; i++) {
      const r = await stack.call('POST', '/v1/webhooks', {
        name: `Bulk ${i}`,
        event_type: 'order.created',
        target_url: `${stack.receiver.url}/hooks/bulk`,
      });
      expect(r.status).toBe(201);
    }
    const page = await stack.newPage();
    await stack.signIn(page);
    await openList(page);
    const oldest = page.getByRole('link', { name: 'Picked for X', exact: true });
    await page.getByRole('link', { name: 'Bulk 19', exact: true }).waitFor(WAIT);
    expect(await oldest.count()).toBe(0);
    await button(page, 'Next page').click();
    await oldest.waitFor(WAIT);
    expect(await page.getByRole('link', { name: 'Bulk 19', exact: true }).count()).toBe(0);
    await button(page, 'Previous page').click();
    await page.getByRole('link', { name: 'Bulk 19', exact: true }).waitFor(WAIT);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });
});
