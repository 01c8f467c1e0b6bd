import { useCallback } from 'react';
import { useSearchParams } from 'react-router';

/**
 * A list's filters kept in the URL's query (so a filtered list can be linked to and survives a
 * reload): `get(name)` reads one ('' when unset), `set(name, value)` replaces it in place (an empty
 * value removes it) without adding a history entry.
 */
export function useUrlFilters<Name extends string>() {
  const [params, setParams] = useSearchParams();
  const get = (name: Name) => params.get(name) ?? '';
  const set = useCallback(
    (name: Name, value: string) =>
      setParams(
        (prev) => {
          const next = new URLSearchParams(prev);
          if (value) next.set(name, value);
          else next.delete(name);
          return next;
        },
        { replace: true },
      ),
    [setParams],
  );
  return { get, set };
}
