// Domain errors. Services throw these; the error middleware turns them into the contract's
// error body. Nothing below the API layer speaks HTTP.

export interface ErrorDetail {
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  readonly details: ErrorDetail[] = [];
}

export class ValidationError extends AppError {
  readonly status = 422;
  readonly code = 'validation_failed';
  constructor(
    override readonly details: ErrorDetail[],
    message = 'The request is not valid; see details.',
  ) {
    super(message);
  }
  static field(path: string, message: string): ValidationError {
    return new ValidationError([{ path, message }]);
  }
}

export class MalformedRequestError extends AppError {
  readonly status = 400;
  readonly code = 'malformed_request';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'unauthorized';
  constructor(message = 'Missing or invalid API key. Send Authorization: Bearer <key>.') {
    super(message);
  }
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'forbidden';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'not_found';
  constructor(what = 'resource', id?: string) {
    super(id ? `${what} ${id} not found` : `${what} not found`);
  }
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'conflict';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'payload_too_large';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'unsupported_media_type';
  constructor(message = 'Send the body as application/json.') {
    super(message);
  }
}

export class RateLimitedError extends AppError {
  readonly status = 429;
  readonly code = 'rate_limited';
  constructor(
    message: string,
    readonly retryAfterSeconds: number,
  ) {
    super(message);
  }
}

export class UnavailableError extends AppError {
  readonly status = 503;
  readonly code = 'unavailable';
}

export class MethodNotAllowedError extends AppError {
  readonly status = 405;
  readonly code = 'method_not_allowed';
  constructor(
    method: string,
    path: string,
    /** The methods the path takes: the Allow header. */
    readonly allow: string[],
  ) {
    super(`${method} is not allowed on ${path}; use ${allow.join(', ')}.`);
  }
}
