// Pure (no DOM): which of the API's 422 details belong to which form field.
import { ApiError, type ErrorDetail } from '../api/client';

export function errorsOf(err: unknown): ErrorDetail[] {
  return err instanceof ApiError ? err.details : [];
}

/** `path`'s own messages and those under it (`retry_countdown_config.kwargs.base` is under `retry_countdown_config`). */
export function messagesFor(details: ErrorDetail[], path: string): string[] {
  return details.filter((d) => d.path === path || d.path.startsWith(`${path}.`)).map((d) => d.message);
}
