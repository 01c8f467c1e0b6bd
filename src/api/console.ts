import { existsSync } from 'node:fs';
import { join } from 'node:path';
import express, { type Router } from 'express';
import { PROJECT_ROOT } from '../projectRoot';

/** Where `npm install` (scripts/build-console.mjs) puts the built console. */
export const CONSOLE_DIST = join(PROJECT_ROOT, 'console', 'dist');

export interface ConsoleSettings {
  /** The Temporal Web UI the console links to; null: the embedded UI on `temporalUiPort`. */
  temporalUiUrl: string | null;
  /** The embedded Web UI's port, on the host the browser reached the console on. */
  temporalUiPort: number | null;
  namespace: string;
}

const notBuilt = `<!doctype html>
<html lang="en"><head><meta charset="utf-8" /><title>Switchyard console</title></head>
<body><main><h1>The console is not built</h1>
<p>Its assets are made by the project's install. Run <code>npm install</code> (or
<code>npm run build:console</code>) and reload this page.</p></main></body></html>`;

/**
 * The operator console at /console: the Vite build's assets, with index.html for every path the
 * console routes itself (/console/webhooks/…), and /console/settings.json, the little the page
 * cannot learn from the public API (where the Temporal Web UI is). Same origin, nothing remote.
 */
export function consoleRouter(settings: ConsoleSettings, dist = CONSOLE_DIST): Router {
  const router = express.Router();
  router.get('/console/settings.json', (_req, res) => {
    res.set('cache-control', 'no-store').json({
      temporal_ui_url: settings.temporalUiUrl,
      temporal_ui_port: settings.temporalUiPort,
      namespace: settings.namespace,
    });
  });
  // Hashed file names: the assets never change under one name.
  router.use(
    '/console/assets',
    express.static(join(dist, 'assets'), { index: false, immutable: true, maxAge: '365d' }),
  );
  router.use('/console', express.static(dist, { index: false, maxAge: '1h' }));
  router.get(['/console', '/console/{*rest}'], (req, res, next) => {
    // A missing asset is a 404, not the page: a browser must not run HTML as a script.
    if (req.path.startsWith('/console/assets/')) {
      next();
      return;
    }
    const index = join(dist, 'index.html');
    if (!existsSync(index)) {
      res.status(503).type('html').send(notBuilt);
      return;
    }
    res.set('cache-control', 'no-cache').sendFile(index);
  });
  return router;
}
