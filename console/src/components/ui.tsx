import { useEffect, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import { useAction } from '../hooks/useAction';
import { formatClock, formatUtc } from '../lib/format';

export { formatClock, formatUtc };

export function Time({ value }: { value: string | null | undefined }) {
  return value ? <time dateTime={value}>{formatUtc(value)}</time> : <span>—</span>;
}

export function StatusBadge({ status }: { status: string }) {
  return <span className={`badge badge-${status}`}>{status}</span>;
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children ? <div>{children}</div> : null}
    </div>
  );
}

/** A failed load: what the API said, and a way to try again. */
export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  const message =
    error instanceof ApiError
      ? error.message
      : error instanceof Error
        ? error.message
        : 'Something went wrong.';
  return (
    <div role="alert" className="form-alert">
      <p>{message}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function Loading() {
  return (
    <p className="loading" aria-live="polite">
      Loading…
    </p>
  );
}

/** Previous / Next over the API's cursors (hooks/useCursorPages). */
export function Pager({
  pageNumber,
  hasPrevious,
  hasNext,
  previous,
  next,
}: {
  pageNumber: number;
  hasPrevious: boolean;
  hasNext: boolean;
  previous(): void;
  next(): void;
}) {
  if (!hasPrevious && !hasNext) return null;
  return (
    <nav className="pager" aria-label="Pages">
      <button type="button" onClick={previous} disabled={!hasPrevious}>
        Previous page
      </button>
      <span>Page {pageNumber}</span>
      <button type="button" onClick={next} disabled={!hasNext}>
        Next page
      </button>
    </nav>
  );
}

/**
 * A destructive action behind a confirmation: the button opens a modal dialog (focus moves into
 * it, Escape closes it) that names what will happen; only its confirm button acts.
 */
export function ConfirmButton({
  label,
  title,
  children,
  confirmLabel,
  onConfirm,
  className = 'danger',
}: {
  label: string;
  title: string;
  children?: ReactNode;
  confirmLabel: string;
  onConfirm(): Promise<void> | void;
  className?: string;
}) {
  const dialog = useRef<HTMLDialogElement>(null);
  const { busy, error, run } = useAction();
  const [open, setOpen] = useState(false);
  useEffect(() => {
    if (open && dialog.current && !dialog.current.open) dialog.current.showModal();
    if (!open && dialog.current?.open) dialog.current.close();
  }, [open]);
  return (
    <>
      <button type="button" className={className} onClick={() => setOpen(true)}>
        {label}
      </button>
      {open ? (
        <dialog ref={dialog} aria-label={title} onClose={() => setOpen(false)}>
          <h2>{title}</h2>
          {children}
          {error ? <LoadError error={error} /> : null}
          <div className="actions">
            <button
              type="button"
              className={className}
              disabled={busy}
              onClick={() =>
                void run(async () => {
                  await onConfirm();
                  setOpen(false);
                })
              }
            >
              {confirmLabel}
            </button>
            <button type="button" onClick={() => setOpen(false)} autoFocus>
              Keep it
            </button>
          </div>
        </dialog>
      ) : null}
    </>
  );
}

/** A secret the API shows once (an API key, an inbound token): copyable, with the warning. */
export function ShownOnce({ label, value }: { label: string; value: string }) {
  const [copied, setCopied] = useState(false);
  return (
    <div className="shown-once" role="status">
      <p>
        <strong>{label}</strong> — shown once. Copy it now: it cannot be read again.
      </p>
      <code aria-label={label}>{value}</code>
      <button
        type="button"
        onClick={() =>
          void navigator.clipboard?.writeText(value).then(
            () => setCopied(true),
            () => setCopied(false),
          )
        }
      >
        {copied ? 'Copied' : 'Copy'}
      </button>
    </div>
  );
}
