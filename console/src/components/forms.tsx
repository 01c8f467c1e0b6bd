import { createContext, useContext, useId, type ReactNode } from 'react';
import type { ErrorDetail } from '../api/client';
import { errorsOf, messagesFor } from '../lib/fieldErrors';

export { errorsOf, messagesFor };

/**
 * The API's 422 `details` for one form: each field shows the messages whose `path` is its own
 * (or lies under it: `retry_countdown_config.kwargs.base` belongs to that field); whatever no
 * field claims is listed at the top of the form, so nothing the API said is lost.
 */
const ErrorsContext = createContext<ErrorDetail[]>([]);

export function FormErrors({
  error,
  claimed,
  children,
}: {
  error: unknown;
  /** Paths the form has fields for; details under other paths are shown in the summary. */
  claimed: string[];
  children: ReactNode;
}) {
  const details = errorsOf(error);
  const unclaimed = details.filter((d) => !claimed.some((p) => d.path === p || d.path.startsWith(`${p}.`)));
  return (
    <ErrorsContext.Provider value={details}>
      {error ? (
        <div role="alert" className="form-alert">
          <p>{error instanceof Error ? error.message : String(error)}</p>
          {unclaimed.length > 0 && (
            <ul>
              {unclaimed.map((d) => (
                <li key={`${d.path}:${d.message}`}>
                  <code>{d.path}</code> {d.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
      {children}
    </ErrorsContext.Provider>
  );
}

/** The messages for `path` in the surrounding FormErrors. */
export function useFieldErrors(path: string): string[] {
  return messagesFor(useContext(ErrorsContext), path);
}

type Control = (props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean }) => ReactNode;

/**
 * A labelled control. The label's text is exactly `label` (the accessible name the contract
 * lists); hints and errors are outside it, tied to the control with aria-describedby.
 */
export function Field({
  label,
  path,
  hint,
  children,
}: {
  label: string;
  /** The API field this control sets, for its errors. */
  path: string;
  hint?: ReactNode;
  children: Control;
}) {
  const id = useId();
  const errors = useFieldErrors(path);
  const hintId = hint ? `${id}-hint` : undefined;
  const errorId = errors.length ? `${id}-error` : undefined;
  const describedBy = [errorId, hintId].filter(Boolean).join(' ') || undefined;
  return (
    <div className={errors.length ? 'field field-invalid' : 'field'}>
      <label htmlFor={id}>{label}</label>
      {children({ id, 'aria-describedby': describedBy, 'aria-invalid': errors.length ? true : undefined })}
      {hint ? (
        <small id={hintId} className="hint">
          {hint}
        </small>
      ) : null}
      {errors.length ? (
        <p id={errorId} className="field-error">
          {errors.join('; ')}
        </p>
      ) : null}
    </div>
  );
}
