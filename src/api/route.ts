import type { Request, Response, Router } from 'express';
import type { OpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import type { z } from 'zod';
import { ZodObject, type ZodType } from 'zod';
import { ValidationError, type ErrorDetail } from '../errors';
import type { AuthMode, Principal } from './auth';
import { errorResponseSchema } from '../schemas/common';
import { jsonProblems } from '../rules/jsonInput';

type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface Reply<T = unknown> {
  status: number;
  body?: T;
  headers?: Record<string, string>;
}

export interface RouteContext<B, Q, P> {
  body: B;
  query: Q;
  params: P;
  principal: Principal;
  req: Request;
  res: Response;
}

export interface RouteSpec<B, Q, P> {
  method: Method;
  /** OpenAPI style: `/v1/webhooks/{id}` */
  path: string;
  summary: string;
  description?: string;
  tag: string;
  auth: AuthMode;
  body?: ZodType<B>;
  /** Whether the body may be left out (default: required when `body` is given). */
  bodyOptional?: boolean;
  query?: ZodType<Q>;
  params?: ZodType<P>;
  responses: Record<number, { description: string; schema?: ZodType }>;
  handler: (ctx: RouteContext<B, Q, P>) => Promise<Reply>;
}

function joinPath(prefix: string, parts: PropertyKey[]): string {
  const path = [prefix, ...parts.map(String)].filter(Boolean).join('.');
  return path || '(body)';
}

export function issuesToDetails(error: z.ZodError, prefix = ''): ErrorDetail[] {
  const join = (parts: PropertyKey[]) => joinPath(prefix, parts);
  return error.issues.flatMap((issue) =>
    issue.code === 'unrecognized_keys'
      ? issue.keys.map((key) => ({ path: join([...issue.path, key]), message: 'is not a known field' }))
      : [{ path: join(issue.path), message: issue.message }],
  );
}

function parseOr422<T>(schema: ZodType<T> | undefined, value: unknown, prefix: string): T {
  if (!schema) return undefined as T;
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new ValidationError(issuesToDetails(parsed.error, prefix));
  return parsed.data;
}

/**
 * Every client value, before any schema or handler sees it: no NUL, no unpaired surrogate, no
 * nesting beyond MAX_JSON_DEPTH, no number JSON.parse could not hold (src/rules/jsonInput.ts).
 * For every route, so that bodies no schema describes (inbound webhooks) are covered too.
 */
function refuseUnstorable(req: Request): void {
  const details = [
    ...jsonProblems(req.params),
    ...jsonProblems(req.query),
    ...(req.body === undefined ? [] : jsonProblems(req.body)),
  ].map((p) => ({ path: joinPath('', p.path), message: p.message }));
  if (details.length > 0) throw new ValidationError(details);
}

/** Answers every operation can give besides its own; 401/403 only where a key is asked for. */
const errorResponses = {
  400: 'Malformed request: the body is not JSON, not UTF-8, or does not decode with its Content-Encoding',
  401: 'Missing or invalid API key',
  429: 'Too many requests from this key; see the Retry-After header',
  403: 'The key may not do this',
  404: 'Not found (or owned by another account)',
  413: 'The body is larger than 256 KiB (after decoding its Content-Encoding)',
  415: 'The body is not application/json (or a +json type) in UTF-8',
  422: 'Validation failed; `details` names each bad field',
  503: 'A dependency (database or Temporal) is unavailable',
} as const;

/**
 * Registers one endpoint on the express router and in the OpenAPI registry from the same zod
 * schemas, so the documentation cannot drift from what the handler accepts.
 */
export function defineRoute<B = undefined, Q = undefined, P = undefined>(
  router: Router,
  registry: OpenAPIRegistry,
  authenticate: (req: Request, mode: AuthMode) => Promise<Principal>,
  spec: RouteSpec<B, Q, P>,
  limit: (principal: Principal, req: Request) => void = () => undefined,
): void {
  const responses: Record<string, object> = {};
  for (const [status, r] of Object.entries(spec.responses)) {
    responses[status] = r.schema
      ? { description: r.description, content: { 'application/json': { schema: r.schema } } }
      : { description: r.description };
  }
  for (const [status, description] of Object.entries(errorResponses)) {
    if ((status === '401' || status === '403') && spec.auth === 'none') continue;
    responses[status] ??= { description, content: { 'application/json': { schema: errorResponseSchema } } };
  }
  registry.registerPath({
    method: spec.method,
    path: spec.path,
    summary: spec.summary,
    description: spec.description,
    tags: [spec.tag],
    security: spec.auth === 'none' ? [] : [{ bearerAuth: [] }],
    request: {
      ...(spec.params ? { params: spec.params as z.ZodObject } : {}),
      ...(spec.query ? { query: spec.query as z.ZodObject } : {}),
      ...(spec.body
        ? {
            body: {
              required: !spec.bodyOptional,
              content: { 'application/json': { schema: spec.body } },
            },
          }
        : {}),
    },
    responses,
  });

  // Query parameters the operation does not list are refused (422 `is not a known field`), not ignored.
  const strictQuery =
    spec.query instanceof ZodObject ? (spec.query.strict() as unknown as ZodType<Q>) : spec.query;
  const expressPath = spec.path.replace(/\{(\w+)\}/g, ':$1');
  router[spec.method](expressPath, async (req: Request, res: Response) => {
    res.locals.route = spec.path;
    const principal = await authenticate(req, spec.auth);
    limit(principal, req);
    refuseUnstorable(req);
    const params = parseOr422(spec.params, req.params, '');
    const query = parseOr422(strictQuery, req.query, '');
    // A required body left out is refused like a wrong one (the document says `required: true`).
    if (spec.body && !spec.bodyOptional && req.body === undefined)
      throw ValidationError.field('(body)', 'is required: send a JSON object');
    // Only a left-out body stands for `{}`: a JSON `null` is judged (and refused) by the schema.
    const body = parseOr422(spec.body, req.body === undefined ? {} : req.body, '');
    const reply = await spec.handler({ body, query, params, principal, req, res });
    if (res.headersSent) return; // the handler streamed its own answer (e.g. /metrics)
    if (reply.headers) res.set(reply.headers);
    if (reply.body === undefined) res.status(reply.status).end();
    else res.status(reply.status).json(reply.body);
  });
}
