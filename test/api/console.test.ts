import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { consoleRouter } from '../../src/api/console';

/** The console router alone over a dist folder of our making (or none). */
async function serve(dist: string, temporalUiUrl: string | null = null) {
  const app = express();
  app.use(
    consoleRouter({ temporalUiUrl, temporalUiPort: temporalUiUrl ? null : 8233, namespace: 'ops' }, dist),
  );
  app.use((_req, res) => res.status(404).json({ error: { code: 'not_found', message: 'x', details: [] } }));
  const server: Server = await new Promise((resolve) => {
    const s = app.listen(0, '127.0.0.1', () => resolve(s));
  });
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

describe('the console at /console', () => {
  let dir: string;
  let built: Awaited<ReturnType<typeof serve>>;
  let missing: Awaited<ReturnType<typeof serve>>;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'switchyard-console-dist-'));
    mkdirSync(join(dir, 'dist', 'assets'), { recursive: true });
    writeFileSync(join(dir, 'dist', 'index.html'), '<!doctype html><div id="root"></div>');
    writeFileSync(join(dir, 'dist', 'assets', 'index-abc.js'), 'console.log(1)');
    built = await serve(join(dir, 'dist'), 'https://temporal.example.test');
    missing = await serve(join(dir, 'nothing-here'));
  });
  afterAll(() => {
    built?.server.close();
    missing?.server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['the console itself', '/console'],
    ['a screen the console routes itself', '/console/webhooks/whk_1'],
    ['a screen whose id has a dot', '/console/events/order.1001'],
  ])('answers %s with the page', async (_what, path) => {
    const res = await fetch(`${built.url}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/text\/html/);
    expect(await res.text()).toContain('<div id="root">');
  });

  it('serves hashed assets for a long time, and a missing one as a 404 (never the page)', async () => {
    const asset = await fetch(`${built.url}/console/assets/index-abc.js`);
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    const gone = await fetch(`${built.url}/console/assets/index-old.js`);
    expect(gone.status).toBe(404);
  });

  it('tells the page where the Temporal Web UI is', async () => {
    const res = await fetch(`${built.url}/console/settings.json`);
    expect(await res.json()).toEqual({
      temporal_ui_url: 'https://temporal.example.test',
      temporal_ui_port: null,
      namespace: 'ops',
    });
  });

  it('says how to build the console when its assets are missing', async () => {
    const res = await fetch(`${missing.url}/console`);
    expect(res.status).toBe(503);
    expect(await res.text()).toContain('npm run build:console');
  });
});
