import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleStack, type ConsoleStack } from './stack';

describe('the console shell in Chromium', () => {
  let stack: ConsoleStack;
  beforeAll(async () => {
    stack = await startConsoleStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  it('refuses a wrong key at the API key field, and signs an account key in to its screens', async () => {
    const page = await stack.newPage();
    await page.goto(`${stack.url}/console`);
    await page.getByLabel('API key', { exact: true }).fill('sya_not_a_key');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByText('is not a valid API key').count()).toBe(1);
    expect(await page.getByLabel('API key', { exact: true }).getAttribute('aria-invalid')).toBe('true');

    await page.getByLabel('API key', { exact: true }).fill(stack.accountKey);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const nav = page.getByRole('navigation', { name: 'Main' });
    for (const name of ['Webhooks', 'Deliveries', 'Events', 'Channels', 'Recurring jobs']) {
      await expect.poll(() => nav.getByRole('link', { name, exact: true }).count()).toBe(1);
    }
    expect(await nav.getByRole('link', { name: 'Accounts', exact: true }).count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/console/webhooks');

    // A reload keeps the session (sessionStorage) and the console's own path.
    await page.getByRole('link', { name: 'Events', exact: true }).click();
    await page.reload();
    expect(new URL(page.url()).pathname).toBe('/console/events');
    await expect.poll(() => page.getByRole('button', { name: 'Sign out' }).count()).toBe(1);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('shows Accounts to the admin key', async () => {
    const page = await stack.newPage();
    await stack.signIn(page, stack.adminKey);
    await expect
      .poll(() =>
        page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).count(),
      )
      .toBe(1);
    expect(new URL(page.url()).pathname).toBe('/console/accounts');
    await page.context().close();
  });

  it('serves the console and its settings from the API, and a missing asset as a 404', async () => {
    const index = await fetch(`${stack.url}/console/deliveries/dlv_anything`);
    expect(index.status).toBe(200);
    expect(await index.text()).toContain('<div id="root">');
    const settings = await (await fetch(`${stack.url}/console/settings.json`)).json();
    expect(settings).toEqual({
      temporal_ui_url: null,
      temporal_ui_port: Number(new URL(stack.uiUrl).port),
      namespace: 'default',
    });
    expect((await fetch(`${stack.url}/console/assets/missing.js`)).status).toBe(404);
  });
});
