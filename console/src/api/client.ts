/** One field's problem, as the API's error body names it (`details[].path`, e.g. `retry_countdown_config.kwargs.base`). */
export interface ErrorDetail {
  path: string;
  message: string;
}

/** An answer other than 2xx, or no answer: what the API said, typed for the forms. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: ErrorDetail[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

export type Query = Record<string, string | number | boolean | null | undefined>;

export interface Api {
  get<T>(path: string, query?: Query): Promise<T>;
  post<T>(path: string, body?: unknown, query?: Query): Promise<T>;
  put<T>(path: string, body: unknown): Promise<T>;
  patch<T>(path: string, body: unknown): Promise<T>;
  del(path: string): Promise<void>;
}

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) {
    if (value !== undefined && value !== null && value !== '') params.set(name, String(value));
  }
  const qs = params.toString();
  return qs ? `${path}?${qs}` : path;
}

/** The public REST API, same origin, with the signed-in key. Nothing else is ever called. */
export function createApi(key: string, onUnauthorized: () => void = () => {}): Api {
  async function call<T>(method: string, path: string, body?: unknown, query?: Query): Promise<T> {
    let res: Response;
    try {
      res = await fetch(withQuery(path, query), {
        method,
        headers: {
          authorization: `Bearer ${key}`,
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
    } catch {
      throw new ApiError(
        0,
        'unreachable',
        'The Switchyard API could not be reached. Is the service running?',
      );
    }
    if (res.status === 204) return undefined as T;
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    if (!res.ok) {
      const error = (
        parsed as { error?: { code?: string; message?: string; details?: ErrorDetail[] } } | undefined
      )?.error;
      if (res.status === 401) onUnauthorized();
      throw new ApiError(
        res.status,
        error?.code ?? 'http_error',
        error?.message ?? `The API answered ${res.status}.`,
        error?.details ?? [],
      );
    }
    return parsed as T;
  }
  return {
    get: (path, query) => call('GET', path, undefined, query),
    post: (path, body, query) => call('POST', path, body, query),
    put: (path, body) => call('PUT', path, body),
    patch: (path, body) => call('PATCH', path, body),
    del: (path) => call('DELETE', path),
  };
}

/** What a key is: the admin key manages accounts, an account key everything of its account. */
export type KeyKind = 'admin' | 'account';

/**
 * Tells the two kinds apart with the API itself: GET /v1/accounts answers the admin key only
 * (403 for an account key), and 401 means the key is not valid at all.
 */
export async function identify(key: string): Promise<KeyKind> {
  const api = createApi(key);
  try {
    await api.get('/v1/accounts', { limit: 1 });
    return 'admin';
  } catch (err) {
    if (err instanceof ApiError && err.status === 403) return 'account';
    throw err;
  }
}
