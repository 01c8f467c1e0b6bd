import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsoleStack, type ConsoleStack } from './stack';

const WAIT = { timeout: 30_000 };
const clock = (iso: string) => new Date(iso).toISOString().slice(11, 16);

describe('the Channels and Recurring jobs screens in Chromium', () => {
  let stack: ConsoleStack;
  beforeAll(async () => {
    stack = await startConsoleStack();
  });
  afterAll(async () => {
    await stack?.close();
  });

  async function openNewChannel(page: Page) {
    await stack.signIn(page);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Channels', exact: true })
      .click();
    // The list's Create channel opens the form, whose own Create channel creates it.
    await page.getByRole('button', { name: 'Create channel', exact: true }).click();
    await page.getByLabel('Name', { exact: true }).waitFor();
    await expect.poll(() => new URL(page.url()).pathname).toBe('/console/channels/new');
  }

  async function fillChannel(
    page: Page,
    c: { name: string; kind?: string; release: string; mode: string; url: string },
  ) {
    await page.getByLabel('Name', { exact: true }).fill(c.name);
    await page.getByLabel('Kind', { exact: true }).selectOption(c.kind ?? 'sales');
    await page.getByLabel('Release', { exact: true }).selectOption(c.release);
    await page.getByLabel('Mode', { exact: true }).selectOption(c.mode);
    await page.getByLabel('Connector URL', { exact: true }).fill(c.url);
  }

  const channelIdOf = (page: Page) => decodeURIComponent(new URL(page.url()).pathname.split('/').pop() ?? '');

  /** The clock times the page lists under "Next run times" in `scope`. */
  async function shownTimes(scope: ReturnType<Page['getByRole']>) {
    return scope.getByRole('list', { name: 'Next run times', exact: true }).locator('time').allTextContents();
  }

  it('creates a beta channel whose orders.import runs every 8 h with a 1 h delay: 07:00, 15:00, 23:00', async () => {
    const page = await stack.newPage();
    await openNewChannel(page);
    await fillChannel(page, {
      name: 'Beta shop',
      release: 'beta',
      mode: 'recurring',
      url: stack.receiver.url,
    });
    const job = page.getByRole('group', { name: 'orders.import', exact: true });
    await job.getByLabel('Main Job Period', { exact: true }).fill('8h');
    await job.getByLabel('Delay', { exact: true }).fill('1h');
    await page.getByRole('button', { name: 'Create channel', exact: true }).click();

    // The inbound token, shown once, on the new channel's page.
    const token = page.getByLabel('Inbound token', { exact: true });
    await token.waitFor(WAIT);
    expect((await token.textContent())?.length).toBeGreaterThan(10);
    await expect.poll(() => page.url(), WAIT).toMatch(/\/console\/channels\/[^/]+$/);
    const id = channelIdOf(page);
    expect(await page.getByText(`/v1/inbound/${id}/`).count()).toBeGreaterThan(0);

    const api = await stack.call('GET', `/v1/channels/${id}`);
    expect(api.status).toBe(200);
    expect(api.body).toMatchObject({
      name: 'Beta shop',
      release: 'beta',
      mode: 'recurring',
      connector: { url: stack.receiver.url },
      recurring_jobs: { 'orders.import': { main_job_period: '8h', delay: '1h' } },
    });

    const region = page.getByRole('region', { name: 'orders.import', exact: true });
    await expect.poll(() => shownTimes(region), WAIT).toHaveLength(3);
    const shown = await shownTimes(region);
    expect([...shown].sort()).toEqual(['07:00', '15:00', '23:00']);
    const jobs = await stack.call('GET', `/v1/channels/${id}/jobs`);
    const apiJob = (jobs.body.data as Array<{ type: string; next_run_times: string[] }>).find(
      (j) => j.type === 'orders.import',
    );
    expect(shown).toEqual(apiJob?.next_run_times.map(clock));

    // Shown once: a reload of the page no longer has it.
    await page.reload();
    await region.waitFor(WAIT);
    expect(await page.getByLabel('Inbound token', { exact: true }).count()).toBe(0);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('shows a Delay not shorter than the Main Job Period at that Delay field, and creates nothing', async () => {
    const before = await stack.call('GET', '/v1/channels?limit=100');
    const page = await stack.newPage();
    await openNewChannel(page);
    await fillChannel(page, {
      name: 'Too late',
      release: 'beta',
      mode: 'recurring',
      url: stack.receiver.url,
    });
    const job = page.getByRole('group', { name: 'orders.import', exact: true });
    await job.getByLabel('Main Job Period', { exact: true }).fill('8h');
    await job.getByLabel('Delay', { exact: true }).fill('9h');
    await page.getByRole('button', { name: 'Create channel', exact: true }).click();

    const delay = job.getByLabel('Delay', { exact: true });
    await expect.poll(() => delay.getAttribute('aria-invalid'), WAIT).toBe('true');
    expect(await job.getByText('must be shorter than main_job_period').count()).toBe(1);
    expect(await job.getByLabel('Main Job Period', { exact: true }).getAttribute('aria-invalid')).toBeNull();
    // Another job type's Delay is untouched.
    expect(
      await page
        .getByRole('group', { name: 'inventory.sync', exact: true })
        .getByLabel('Delay', { exact: true })
        .getAttribute('aria-invalid'),
    ).toBeNull();
    expect(new URL(page.url()).pathname).toBe('/console/channels/new');
    const after = await stack.call('GET', '/v1/channels?limit=100');
    expect(after.body.data).toHaveLength(before.body.data.length);
    await page.context().close();
  });

  it('sets the stable recurring job orders.import to every hour with Shift Minimal: runs at :05', async () => {
    const page = await stack.newPage();
    await stack.signIn(page);
    await page
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Recurring jobs', exact: true })
      .click();
    const job = page.getByRole('group', { name: 'orders.import', exact: true });
    await job.getByLabel('Period', { exact: true }).waitFor(WAIT);
    await job.getByLabel('Enabled', { exact: true }).check();
    await job.getByLabel('Period', { exact: true }).fill('1h');
    await job.getByLabel('Shift', { exact: true }).selectOption({ label: 'Minimal' });
    expect(await job.getByLabel('Shift duration', { exact: true }).count()).toBe(0);
    await job.getByRole('button', { name: 'Save', exact: true }).click();

    await expect.poll(() => shownTimes(job), WAIT).toHaveLength(3);
    const shown = await shownTimes(job);
    for (const t of shown) expect(t).toMatch(/^\d\d:05$/);
    const api = await stack.call('GET', '/v1/recurring-jobs/orders.import');
    expect(api.body).toMatchObject({ enabled: true, period: '1h', shift: 'minimal' });
    expect(shown).toEqual((api.body.next_run_times as string[]).map(clock));

    // A shift not shorter than the period is refused at the Shift duration field.
    await job.getByLabel('Shift', { exact: true }).selectOption({ label: 'Duration' });
    await job.getByLabel('Shift duration', { exact: true }).fill('2h');
    await job.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(() => job.getByLabel('Shift duration', { exact: true }).getAttribute('aria-invalid'), WAIT)
      .toBe('true');
    expect((await stack.call('GET', '/v1/recurring-jobs/orders.import')).body.shift).toBe('minimal');
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('runs a webhook-mode job now and follows it to succeeded; edits the channel; deletes it', async () => {
    const page = await stack.newPage();
    await openNewChannel(page);
    await fillChannel(page, { name: 'Pushy', release: 'stable', mode: 'webhook', url: stack.receiver.url });
    const form = page.getByRole('group', { name: 'orders.import', exact: true });
    await form.getByLabel('Delay', { exact: true }).fill('0s');
    await form.getByLabel('Emergency Job Period', { exact: true }).fill('1h');
    await page.getByRole('button', { name: 'Create channel', exact: true }).click();
    await page.getByLabel('Inbound token', { exact: true }).waitFor(WAIT);
    const id = channelIdOf(page);

    // The emergency run's due time, as the API reports it.
    const region = page.getByRole('region', { name: 'orders.import', exact: true });
    await expect.poll(() => region.locator('time').count(), WAIT).toBe(1);
    const jobs = await stack.call('GET', `/v1/channels/${id}/jobs`);
    const due = jobs.body.data[0].emergency_due_at as string;
    expect(jobs.body.data[0]).toMatchObject({ type: 'orders.import', mode: 'webhook' });
    expect(await region.locator('time').getAttribute('datetime')).toBe(due);

    // Run now: the run shows up and becomes succeeded without a reload.
    const received = stack.receiver.requests.length;
    await region.getByRole('button', { name: 'Run now', exact: true }).click();
    await region.getByText('Started job run').waitFor(WAIT);
    const runId = (await region.getByRole('status').locator('code').textContent()) ?? '';
    expect(runId).not.toBe('');
    const runs = page.getByRole('table', { name: 'Job runs', exact: true });
    const row = runs.locator(`tr[data-job-run="${runId}"]`);
    await row.waitFor(WAIT);
    await expect.poll(() => row.getByRole('cell').nth(1).textContent(), WAIT).toBe('manual');
    await expect.poll(() => row.getByRole('cell').nth(2).textContent(), WAIT).toBe('succeeded');
    expect(stack.receiver.requests.length).toBeGreaterThan(received);
    const apiRuns = await stack.call('GET', `/v1/job-runs?channel_id=${id}`);
    expect(apiRuns.body.data[0]).toMatchObject({
      id: runId,
      job_type: 'orders.import',
      trigger: 'manual',
      status: 'succeeded',
    });

    // Edit: new settings, then recurring mode (stable: the account's recurring jobs), Save.
    const settings = page.getByRole('group', { name: 'orders.import', exact: true });
    await settings.getByLabel('Delay', { exact: true }).fill('1s');
    await settings.getByLabel('Emergency Job Period', { exact: true }).fill('2h');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => (await stack.call('GET', `/v1/channels/${id}`)).body.webhook_jobs, WAIT)
      .toEqual({ 'orders.import': { delay: '1s', emergency_job_period: '2h' } });
    await page.getByLabel('Mode', { exact: true }).selectOption('recurring');
    expect(await page.getByRole('link', { name: 'Recurring jobs', exact: true }).count()).toBeGreaterThan(1);
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect
      .poll(async () => (await stack.call('GET', `/v1/channels/${id}`)).body.mode, WAIT)
      .toBe('recurring');
    await page.getByText('Saved.').first().waitFor(WAIT);

    // Delete behind a confirmation: keeping it changes nothing, confirming removes it.
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: 'Keep it', exact: true }).click();
    expect((await stack.call('GET', `/v1/channels/${id}`)).status).toBe(200);
    await page.getByRole('button', { name: 'Delete', exact: true }).click();
    await dialog.getByRole('button', { name: 'Delete channel', exact: true }).click();
    await expect.poll(() => new URL(page.url()).pathname, WAIT).toBe('/console/channels');
    expect((await stack.call('GET', `/v1/channels/${id}`)).status).toBe(404);
    // The list has loaded (the other channel is in it) before the deleted one is looked for.
    await page.getByRole('link', { name: 'Beta shop', exact: true }).waitFor(WAIT);
    expect(await page.getByRole('link', { name: 'Pushy', exact: true }).count()).toBe(0);
    expect(stack.offsite).toEqual([]);
    await page.context().close();
  });

  it('lists channels readably on a narrow window', async () => {
    const page = await stack.newPage({ width: 400, height: 800 });
    await stack.signIn(page);
    await page.goto(`${stack.url}/console/channels`);
    const link = page.getByRole('link', { name: 'Beta shop', exact: true });
    await link.waitFor(WAIT);
    const width = await page.evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(400);
    await link.click();
    await page.getByRole('region', { name: 'orders.import', exact: true }).waitFor(WAIT);
    expect(await page.evaluate<number>('document.documentElement.scrollWidth')).toBeLessThanOrEqual(400);
    await page.context().close();
  });
});
