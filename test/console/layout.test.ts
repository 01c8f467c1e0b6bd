// The console as a whole: usable with the keyboard alone, readable on a narrow window, one-row
// navigation on a desktop one, and nothing fetched from anywhere but the service. Written against
// headings and landmarks only (every screen keeps one <h1>), so it holds while the screens grow.
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitUntil } from '../support/waitUntil';
import { startConsoleStack, type ConsoleStack } from './stack';

const WAIT = { timeout: 30_000 };

/**
 * The browser globals these checks read inside `evaluate` (the Node project has no DOM types).
 * Used as `(globalThis as unknown as Win)`: the cast is erased, so the function runs as is in the page.
 */
interface Win {
  document: { documentElement: { scrollWidth: number }; activeElement: unknown };
  innerWidth: number;
  getComputedStyle(el: unknown): { outlineStyle: string; outlineWidth: string };
}
const NARROW = { width: 390, height: 844 };

/** The top-level screens of an account key, by their navigation link. */
const SCREENS = [
  ['Webhooks', '/webhooks'],
  ['Deliveries', '/deliveries'],
  ['Events', '/events'],
  ['Channels', '/channels'],
  ['Recurring jobs', '/recurring-jobs'],
] as const;

describe('the console layout in Chromium', () => {
  let stack: ConsoleStack;
  /** Every page of the console an account key reaches, with real ids for the detail pages. */
  let accountPages: string[];
  beforeAll(async () => {
    stack = await startConsoleStack();
    const webhook = await stack.call('POST', '/v1/webhooks', {
      name: 'Picked orders',
      event_type: 'order.picked',
      scope: 'regular',
      goods_owner_id: 'GO-ACME',
      target_url: `${stack.receiver.url}/orders`,
    });
    expect(webhook.status).toBe(201);
    const event = await stack.call('POST', '/v1/events', {
      type: 'order.picked',
      goods_owner_id: 'GO-ACME',
      payload: { order_number: 'SO-1001' },
    });
    expect(event.status).toBe(202);
    const deliveryId = await waitUntil(
      'the event to have its delivery',
      async () =>
        (await stack.call('GET', `/v1/events/${event.body.id}`)).body.deliveries?.[0]?.id as
          string | undefined,
      { timeoutMs: 30_000, intervalMs: 250 },
    );
    const channel = await stack.call('POST', '/v1/channels', {
      name: 'Shop',
      kind: 'sales',
      release: 'stable',
      mode: 'webhook',
      connector: { url: `${stack.receiver.url}/connector` },
      webhook_jobs: { 'orders.import': { delay: '5m', emergency_job_period: '1d' } },
    });
    expect(channel.status).toBe(201);
    accountPages = [
      '/webhooks',
      '/webhooks/new',
      `/webhooks/${webhook.body.id}`,
      '/deliveries',
      `/deliveries/${deliveryId}`,
      '/events',
      `/events/${event.body.id}`,
      '/channels',
      '/channels/new',
      `/channels/${channel.body.id}`,
      '/recurring-jobs',
    ];
  });
  afterAll(async () => {
    await stack?.close();
  });

  const h1 = (page: Page): Locator => page.getByRole('heading', { level: 1 }).first();

  /** Opens a console path and waits for its heading and for its first load to finish. */
  async function open(page: Page, path: string): Promise<void> {
    await page.goto(`${stack.url}/console${path}`);
    await h1(page).waitFor({ state: 'visible', ...WAIT });
    await expect.poll(() => page.getByText('Loading…', { exact: true }).count(), WAIT).toBe(0);
  }

  const overflow = (page: Page) =>
    page.evaluate(() => {
      const win = globalThis as unknown as Win;
      return { scrollWidth: win.document.documentElement.scrollWidth, innerWidth: win.innerWidth };
    });

  async function isFocused(locator: Locator): Promise<boolean> {
    return locator.evaluate((el) => el === (globalThis as unknown as Win).document.activeElement);
  }

  /** Tabs forward until `target` has the focus (or gives up after `max` presses). */
  async function tabTo(page: Page, target: Locator, max = 30): Promise<void> {
    for (let i = 0; i < max; i++) {
      if (await isFocused(target)) return;
      await page.keyboard.press('Tab');
    }
    expect(await isFocused(target)).toBe(true);
  }

  async function focusOutline(locator: Locator): Promise<{ style: string; width: string }> {
    return locator.evaluate((el) => {
      const css = (globalThis as unknown as Win).getComputedStyle(el);
      return { style: css.outlineStyle, width: css.outlineWidth };
    });
  }

  it('signs in and moves between screens with the keyboard alone, the focus always visible', async () => {
    const page = await stack.newPage();
    await page.goto(`${stack.url}/console`);
    const keyField = page.getByLabel('API key', { exact: true });
    await keyField.waitFor(WAIT);
    await tabTo(page, keyField);
    const fieldOutline = await focusOutline(keyField);
    expect(fieldOutline.style).not.toBe('none');
    expect(fieldOutline.width).not.toBe('0px');
    await page.keyboard.type(stack.accountKey);
    await page.keyboard.press('Enter');
    await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor(WAIT);

    const channels = page.getByRole('navigation', { name: 'Main' }).getByRole('link', {
      name: 'Channels',
      exact: true,
    });
    await tabTo(page, channels);
    const linkOutline = await focusOutline(channels);
    expect(linkOutline.style).not.toBe('none');
    expect(linkOutline.width).not.toBe('0px');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).pathname, WAIT).toBe('/console/channels');
    await h1(page).waitFor({ state: 'visible', ...WAIT });
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('fits every top-level screen in a narrow window (390×844), heading visible', async () => {
    const page = await stack.newPage(NARROW);
    await page.goto(`${stack.url}/console`);
    const signIn = await overflow(page);
    expect(signIn.scrollWidth).toBeLessThanOrEqual(signIn.innerWidth + 1);
    await stack.signIn(page);
    for (const [name, path] of SCREENS) {
      await open(page, path);
      expect(await h1(page).isVisible(), name).toBe(true);
      const box = await h1(page).boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.x + box!.width, name).toBeLessThanOrEqual(NARROW.width + 1);
      const o = await overflow(page);
      expect(o.scrollWidth, `${name} overflows`).toBeLessThanOrEqual(o.innerWidth + 1);
    }
    await page.context().close();

    const admin = await stack.newPage(NARROW);
    await stack.signIn(admin, stack.adminKey);
    await open(admin, '/accounts');
    expect(await h1(admin).isVisible()).toBe(true);
    const o = await overflow(admin);
    expect(o.scrollWidth, 'Accounts overflows').toBeLessThanOrEqual(o.innerWidth + 1);
    // With an account's keys open too (a table of long ids).
    await admin.getByRole('button', { name: 'Keys of console-test', exact: true }).click();
    await admin
      .getByRole('region', { name: 'Keys of console-test', exact: true })
      .getByRole('table')
      .waitFor(WAIT);
    const withKeys = await overflow(admin);
    expect(withKeys.scrollWidth, 'Accounts with keys overflows').toBeLessThanOrEqual(withKeys.innerWidth + 1);
    expect(stack.offsite).toEqual([]);
    await admin.context().close();
  });

  it('shows the navigation in one row at 1280×800', async () => {
    for (const key of [stack.accountKey, stack.adminKey]) {
      const page = await stack.newPage({ width: 1280, height: 800 });
      await stack.signIn(page, key);
      const links = page.getByRole('navigation', { name: 'Main' }).getByRole('link');
      await expect.poll(() => links.count(), WAIT).toBeGreaterThanOrEqual(SCREENS.length);
      const tops = new Set<number>();
      for (const link of await links.all()) {
        const box = await link.boundingBox();
        expect(box).not.toBeNull();
        tops.add(Math.round(box!.y));
      }
      expect([...tops]).toHaveLength(1);
      await page.context().close();
    }
  });

  it('loads every page of the console with nothing fetched from anywhere else', async () => {
    const page = await stack.newPage();
    await page.goto(`${stack.url}/console`);
    await page.getByRole('heading', { level: 1 }).first().waitFor(WAIT);
    await stack.signIn(page);
    for (const path of accountPages) {
      await open(page, path);
      expect(await h1(page).isVisible(), path).toBe(true);
    }
    await page.context().close();

    const admin = await stack.newPage();
    await stack.signIn(admin, stack.adminKey);
    await open(admin, '/accounts');
    await admin.context().close();
    expect(stack.offsite).toEqual([]);
  });
});
