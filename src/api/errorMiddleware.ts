import type { NextFunction, Request, Response } from 'express';
import {
  AppError,
  MalformedRequestError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  UnavailableError,
  UnsupportedMediaTypeError,
} from '../errors';
import type { Logger } from '../logger';
import { BODY_LIMIT_BYTES } from '../constants';

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH']);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/** A body that is not JSON is refused before anything reads it. */
export function requireJsonBody(req: Request, _res: Response, next: NextFunction): void {
  if (BODY_METHODS.has(req.method) && hasBody(req)) {
    const type = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
    if (type !== 'application/json' && !/^application\/[\w.+-]+\+json$/.test(type)) {
      next(
        new UnsupportedMediaTypeError(
          `Content-Type ${type || '(none)'} is not supported; send application/json.`,
        ),
      );
      return;
    }
  }
  next();
}

export function notFoundHandler(req: Request, _res: Response, next: NextFunction): void {
  next(new NotFoundError(`route ${req.method} ${req.path}`));
}

/** Errors that mean a dependency is down, not that the request is wrong. */
export function isDependencyDown(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as { code?: unknown; name?: string; message?: string; cause?: unknown };
  if (
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', '57P01', '57P03', '08006', '08001'].includes(
      String(e.code),
    )
  )
    return true;
  // gRPC UNAVAILABLE (14) / DEADLINE_EXCEEDED (4) from the Temporal client
  if (e.name === 'ServiceError' || e.name === 'ConnectionError') return true;
  if ((e.code === 14 || e.code === 4) && typeof e.message === 'string') return true;
  if (e.name === 'KnexTimeoutError') return true;
  return e.cause !== undefined && e.cause !== err && isDependencyDown(e.cause);
}

/** The type a body that is not valid UTF-8 is refused with (the JSON parser's `verify` in app.ts). */
export const INVALID_UTF8 = 'entity.utf8.invalid';

/**
 * A client fault reported by body-parser or the router as an http-error (a 4xx `status`) that
 * has no `type` handled above: a body that does not decode with its Content-Encoding, one shorter
 * than its Content-Length, a path parameter whose percent-encoding is not UTF-8. Their messages
 * are written for developers, so each gets ours.
 */
function clientFault(err: unknown, req: Request): AppError | undefined {
  const e = err as { status?: unknown; type?: unknown; message?: unknown };
  if (typeof e.status !== 'number' || e.status < 400 || e.status > 499) return undefined;
  if (e.status === 413)
    return new PayloadTooLargeError(`The body is larger than ${BODY_LIMIT_BYTES / 1024} KiB.`);
  if (e.status === 415) return new UnsupportedMediaTypeError('Send the body as UTF-8 JSON.');
  if (e.type === INVALID_UTF8) return new MalformedRequestError('The body is not valid UTF-8.');
  if (e.type === 'request.size.invalid')
    return new MalformedRequestError('The body does not have the length its Content-Length announces.');
  if (typeof e.message === 'string' && e.message.startsWith('Failed to decode param'))
    return new MalformedRequestError(
      'The URL is not valid: a percent-encoded part does not decode as UTF-8.',
    );
  const encoding = req.headers['content-encoding'];
  if (encoding && encoding.toLowerCase() !== 'identity')
    return new MalformedRequestError(`The body could not be decoded as its Content-Encoding (${encoding}).`);
  return new MalformedRequestError('The request could not be read.');
}

function send(res: Response, err: AppError): void {
  if (err instanceof RateLimitedError) res.set('retry-after', String(err.retryAfterSeconds));
  if (err instanceof MethodNotAllowedError) res.set('allow', err.allow.join(', '));
  res.status(err.status).json({ error: { code: err.code, message: err.message, details: err.details } });
}

export function errorMiddleware(logger: Logger) {
  // express recognises error middleware by its four parameters

  return (err: unknown, req: Request, res: Response, _next: NextFunction): void => {
    if (res.headersSent) {
      res.end();
      return;
    }
    if (err instanceof AppError) return send(res, err);
    const type = (err as { type?: string }).type;
    if (type === 'entity.parse.failed')
      return send(res, new MalformedRequestError('The body is not valid JSON.'));
    if (type === 'entity.too.large')
      return send(res, new PayloadTooLargeError(`The body is larger than ${BODY_LIMIT_BYTES / 1024} KiB.`));
    if (type === 'encoding.unsupported' || type === 'charset.unsupported')
      return send(res, new UnsupportedMediaTypeError('Send the body as UTF-8 JSON.'));
    if (type === 'request.aborted') return send(res, new MalformedRequestError('The request was aborted.'));
    const fault = clientFault(err, req);
    if (fault) return send(res, fault);
    if (isDependencyDown(err)) {
      logger.warn({ err, url: req.originalUrl }, 'dependency unavailable');
      return send(
        res,
        new UnavailableError('A dependency (database or Temporal) is unavailable; try again.'),
      );
    }
    logger.error({ err, method: req.method, url: req.originalUrl }, 'unhandled error');
    res.status(500).json({ error: { code: 'internal', message: 'Internal error.', details: [] } });
  };
}
