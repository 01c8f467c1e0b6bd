import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleStack, type ConsoleStack } from './stack';

const WAIT = { timeout: 30_000 };

describe('the Accounts screen in Chromium', () => {
  let stack: ConsoleStack;
  beforeAll(async () => {
    stack = await startConsoleStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  /** The key on screen, shown once (ShownOnce labels it **API key**). */
  async function shownKey(page: Page): Promise<string> {
    const key = page.getByLabel('API key', { exact: true });
    await key.waitFor(WAIT);
    return ((await key.textContent()) ?? '').trim();
  }

  async function accountNamed(name: string): Promise<{ id: string; name: string } | undefined> {
    const list = await stack.call('GET', '/v1/accounts?limit=100', undefined, stack.adminKey);
    return (list.body.data as Array<{ id: string; name: string }>).find((a) => a.name === name);
  }

  it('creates an account, shows its key once, adds a second key and revokes the first', async () => {
    const page = await stack.newPage();
    await stack.signIn(page, stack.adminKey);
    await page.getByRole('heading', { name: 'Accounts', level: 1, exact: true }).waitFor(WAIT);

    await page.getByLabel('Name', { exact: true }).fill('Acme Logistics');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    const first = await shownKey(page);
    expect(first).toMatch(/^sy_/);

    const account = await accountNamed('Acme Logistics');
    expect(account).toBeDefined();
    const keysPath = `/v1/accounts/${account!.id}/keys`;
    const before = await stack.call('GET', keysPath, undefined, stack.adminKey);
    expect(before.body.data).toHaveLength(1);
    const firstId = before.body.data[0].key_id as string;
    expect((await stack.call('GET', '/v1/account', undefined, first)).status).toBe(200);

    // The new account's keys are open; its one key is listed by id.
    const keys = page.getByRole('region', { name: 'Keys of Acme Logistics', exact: true });
    await keys.getByRole('row').filter({ hasText: firstId }).waitFor(WAIT);

    // Rotation: a second key, shown once in place of the first.
    await keys.getByRole('button', { name: 'Create key', exact: true }).click();
    await expect.poll(() => shownKey(page), WAIT).not.toBe(first);
    const second = await shownKey(page);
    expect(second).toMatch(/^sy_/);
    await expect
      .poll(async () => (await stack.call('GET', keysPath, undefined, stack.adminKey)).body.data.length, WAIT)
      .toBe(2);
    await expect.poll(() => keys.getByRole('button', { name: 'Revoke', exact: true }).count(), WAIT).toBe(2);

    // Revoke the first, through the confirmation.
    const firstRow = keys.getByRole('row').filter({ hasText: firstId });
    await firstRow.getByRole('button', { name: 'Revoke', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: `Revoke key ${firstId}?`, exact: true });
    await dialog.getByRole('button', { name: 'Revoke key', exact: true }).click();
    await expect.poll(() => dialog.count(), WAIT).toBe(0);
    await expect.poll(() => firstRow.count(), WAIT).toBe(0);
    await expect.poll(() => keys.getByRole('button', { name: 'Revoke', exact: true }).count(), WAIT).toBe(1);

    expect((await stack.call('GET', '/v1/account', undefined, first)).status).toBe(401);
    const me = await stack.call('GET', '/v1/account', undefined, second);
    expect(me.status).toBe(200);
    expect(me.body.name).toBe('Acme Logistics');
    const after = await stack.call('GET', keysPath, undefined, stack.adminKey);
    expect(after.body.data.map((k: { key_id: string }) => k.key_id)).not.toContain(firstId);

    // The key still on screen signs in to that account's screens.
    await page.getByRole('button', { name: 'Sign in with this key', exact: true }).click();
    await page.getByText('Account key', { exact: true }).waitFor(WAIT);
    expect(new URL(page.url()).pathname).toBe('/console/webhooks');
    expect(
      await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).count(),
    ).toBe(0);

    // The revoked key cannot sign in: the error is at the API key field.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await page.getByLabel('API key', { exact: true }).fill(first);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await expect.poll(() => page.getByText('is not a valid API key', { exact: true }).count(), WAIT).toBe(1);
    expect(await page.getByLabel('API key', { exact: true }).getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByRole('button', { name: 'Sign out', exact: true }).count()).toBe(0);

    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('shows the API error for an empty name at the Name field and creates nothing', async () => {
    const count = async () =>
      (await stack.call('GET', '/v1/accounts?limit=100', undefined, stack.adminKey)).body.data
        .length as number;
    const before = await count();
    const page = await stack.newPage();
    await stack.signIn(page, stack.adminKey);
    const name = page.getByLabel('Name', { exact: true });
    await name.fill('   ');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(() => name.getAttribute('aria-invalid'), WAIT).toBe('true');
    // The message is the API's, tied to the field (aria-describedby), not the client's own.
    const describedBy = (await name.getAttribute('aria-describedby')) ?? '';
    const messages = await Promise.all(
      describedBy
        .split(' ')
        .filter(Boolean)
        .map((id) => page.locator(`[id="${id}"]`).textContent()),
    );
    expect(messages.join(' ')).toContain('must not be empty');
    expect(await page.getByLabel('API key', { exact: true }).count()).toBe(0);
    expect(await count()).toBe(before);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('pages through the accounts with the API cursors', async () => {
    for (let i = 0; i < 21; i++) {
      const res = await stack.call('POST', '/v1/accounts', { name: `paged-${i}` }, stack.adminKey);
      expect(res.status).toBe(201);
    }
    const page = await stack.newPage();
    await stack.signIn(page, stack.adminKey);
    const list = page.getByRole('region', { name: 'All accounts', exact: true });
    await list.getByRole('cell', { name: 'paged-20', exact: true }).waitFor(WAIT);
    await list.getByRole('button', { name: 'Next page', exact: true }).click();
    await list.getByRole('cell', { name: 'console-test', exact: true }).waitFor(WAIT);
    expect(await list.getByRole('cell', { name: 'paged-20', exact: true }).count()).toBe(0);
    await list.getByRole('button', { name: 'Previous page', exact: true }).click();
    await list.getByRole('cell', { name: 'paged-20', exact: true }).waitFor(WAIT);
    await page.context().close();
  });
});
