import { useCallback, useState } from 'react';
import type { Page } from '../api/types';
import { useResource, type Resource } from './useResource';

export interface CursorPages<T> extends Resource<Page<T>> {
  /** 1-based number of the page on screen. */
  pageNumber: number;
  hasNext: boolean;
  hasPrevious: boolean;
  next(): void;
  previous(): void;
}

/**
 * Pages through a list with the API's own cursors: `next_cursor` of the page on screen opens the
 * next (older) one; the cursors already used are kept so Previous goes back. `key` (the filters)
 * starts again at the first page when it changes.
 */
export function useCursorPages<T>(
  load: (cursor: string | undefined) => Promise<Page<T>>,
  key: string,
  pollMs?: number,
): CursorPages<T> {
  const [state, setState] = useState<{ key: string; cursors: (string | undefined)[] }>({
    key,
    cursors: [undefined],
  });
  const cursors = state.key === key ? state.cursors : [undefined];
  if (state.key !== key) setState({ key, cursors });
  const cursor = cursors[cursors.length - 1];
  const resource = useResource(() => load(cursor), [key, cursor], pollMs);
  const nextCursor = resource.data?.next_cursor ?? null;
  const next = useCallback(() => {
    if (nextCursor) setState((s) => ({ key: s.key, cursors: [...s.cursors, nextCursor] }));
  }, [nextCursor]);
  const previous = useCallback(() => {
    setState((s) => ({ key: s.key, cursors: s.cursors.length > 1 ? s.cursors.slice(0, -1) : s.cursors }));
  }, []);
  return {
    ...resource,
    pageNumber: cursors.length,
    hasNext: nextCursor !== null,
    hasPrevious: cursors.length > 1,
    next,
    previous,
  };
}
