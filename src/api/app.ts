import { isUtf8 } from 'node:buffer';
import express, { type NextFunction, type Request, type Response } from 'express';
import { OpenAPIRegistry, OpenApiGeneratorV3 } from '@asteasolutions/zod-to-openapi';
import { BODY_LIMIT_BYTES } from '../constants';
import { createAuthenticator, type Principal } from './auth';
import { RateLimiter } from './rateLimit';
import { docsRouter } from './docs';
import { consoleRouter } from './console';
import { fixNullableUnions } from './openapiNullable';
import { errorMiddleware, INVALID_UTF8, notFoundHandler, requireJsonBody } from './errorMiddleware';
import type { AppDeps, RouteDeps } from './deps';
import { methodNotAllowed } from './methodNotAllowed';
import { defineRoute } from './route';
import { healthRoutes } from './routes/health';
import { accountRoutes } from './routes/accounts';
import { webhookRoutes } from './routes/webhooks';
import { eventRoutes } from './routes/events';
import { deliveryRoutes } from './routes/deliveries';
import { channelRoutes } from './routes/channels';
import { filterRoutes } from './routes/filters';
import { VERSION } from '../version';
import { installZodMessages } from './zodErrors';

export type { AppDeps, RouteDeps } from './deps';

export function createApp(deps: AppDeps) {
  installZodMessages();
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'simple');

  const registry = new OpenAPIRegistry();
  registry.registerComponent('securitySchemes', 'bearerAuth', { type: 'http', scheme: 'bearer' });
  const router = express.Router();
  const authenticate = createAuthenticator(deps.db, deps.adminKey, deps.services.apiKeyCache);
  const limiter = new RateLimiter(deps.rateLimit ?? 0, 2 * (deps.rateLimit ?? 0));
  const limit = (principal: Principal, req: Request) => {
    if (principal.kind === 'account') limiter.take(principal.accountId);
    else if (principal.kind === 'admin') limiter.take('admin');
    else if (typeof req.params.channel_id === 'string') limiter.take(`inbound:${req.params.channel_id}`);
  };
  // Every method each path takes, for 405 answers; the documents besides the API are GET only.
  const routes = ['/openapi.json', '/docs', '/docs/init.js', '/console', '/console/settings.json'].map(
    (path) => ({ method: 'get', path }),
  );
  const routeDeps: RouteDeps = {
    ...deps,
    router,
    route: (spec) => {
      routes.push({ method: spec.method, path: spec.path });
      defineRoute(router, registry, authenticate, spec, limit);
    },
  };

  app.use((req: Request, res: Response, next: NextFunction) => {
    const end = deps.metrics.httpDuration.startTimer();
    res.on('finish', () => {
      const route = (res.locals.route as string | undefined) ?? 'unmatched';
      deps.metrics.httpRequests.inc({ method: req.method, route, status: String(res.statusCode) });
      end({ method: req.method, route });
      if (res.statusCode >= 500)
        deps.logger.warn(
          { method: req.method, url: req.originalUrl, status: res.statusCode },
          'request failed',
        );
    });
    next();
  });
  // Before the body is read: a method the path does not take is 405 whatever the body.
  app.use(methodNotAllowed(() => routes));
  app.use(requireJsonBody);
  app.use(
    express.json({
      limit: BODY_LIMIT_BYTES,
      type: ['application/json', 'application/*+json'],
      strict: false,
      // iconv would turn invalid UTF-8 into U+FFFD without a word: refuse it instead (400).
      verify: (_req, _res, buf, encoding) => {
        if (encoding.toLowerCase() === 'utf-8' && !isUtf8(buf))
          throw Object.assign(new Error('invalid UTF-8'), { type: INVALID_UTF8 });
      },
    }),
  );

  healthRoutes(routeDeps);
  accountRoutes(routeDeps);
  eventRoutes(routeDeps);
  webhookRoutes(routeDeps);
  filterRoutes(routeDeps);
  deliveryRoutes(routeDeps);
  channelRoutes(routeDeps);

  let openapi: object | undefined;
  app.get('/openapi.json', (_req, res) => {
    openapi ??= fixNullableUnions(
      new OpenApiGeneratorV3(registry.definitions).generateDocument({
        openapi: '3.0.3',
        info: {
          title: 'Switchyard API',
          version: VERSION,
          description: 'Durable webhooks and channel automations on Temporal.',
        },
        servers: [{ url: '/' }],
      }),
    );
    res.json(openapi);
  });
  app.use(docsRouter());
  app.use(router);
  // After the API: no API request passes through the console's routes.
  app.use(consoleRouter(deps.console ?? { temporalUiUrl: null, temporalUiPort: 8233, namespace: 'default' }));
  app.use(notFoundHandler);
  app.use(errorMiddleware(deps.logger));
  return app;
}
