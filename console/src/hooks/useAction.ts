import { useCallback, useState } from 'react';

export interface Action {
  /** True while a `run` is in flight (buttons disable themselves on it). */
  busy: boolean;
  /** What the last `run` failed with (an ApiError carries the fields' details), until the next. */
  error: unknown;
  /** Runs `work`: busy meanwhile, its failure kept in `error`. Never rejects. */
  run(work: () => Promise<unknown>): Promise<void>;
}

/** The busy / error state every form submit and action button of the console shares. */
export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }, []);
  return { busy, error, run };
}
