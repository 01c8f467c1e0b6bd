import { useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../api/session';
import { useAction } from '../../hooks/useAction';
import type { Attempt, Delivery } from '../../api/types';
import { LoadError, StatusBadge } from '../../components/ui';

/** The newest attempt of a delivery (the API lists them by number). */
export function latestAttempt(d: Delivery): Attempt | undefined {
  return d.attempts.reduce<Attempt | undefined>((a, b) => (!a || b.number > a.number ? b : a), undefined);
}

export function httpStatus(attempt: Attempt | undefined): string {
  if (!attempt) return 'no attempt yet';
  return attempt.status_code === null ? 'no HTTP answer' : `HTTP ${attempt.status_code}`;
}

/**
 * The Test button: delivers a webhook.test event now (POST /v1/webhooks/{id}/test?wait=true) and
 * shows the attempt's HTTP status; `compact` (in the list) leaves out the error and response body.
 */
export function TestWebhook({
  webhookId,
  compact = false,
  onDone,
}: {
  webhookId: string;
  compact?: boolean;
  onDone?(d: Delivery): void;
}) {
  const api = useApi();
  const { busy, error, run } = useAction();
  const [result, setResult] = useState<Delivery>();

  function test() {
    setResult(undefined);
    void run(async () => {
      const d = await api.post<Delivery>(`/v1/webhooks/${encodeURIComponent(webhookId)}/test`, undefined, {
        wait: true,
      });
      setResult(d);
      onDone?.(d);
    });
  }

  const attempt = result ? latestAttempt(result) : undefined;
  return (
    <div className={compact ? 'test-webhook compact' : 'test-webhook'}>
      <button type="button" onClick={test} disabled={busy}>
        Test
      </button>
      <div role="status" aria-live="polite" className="test-result">
        {busy ? <span className="muted">Testing…</span> : null}
        {result ? (
          <>
            <StatusBadge status={result.status} /> <strong>{httpStatus(attempt)}</strong>{' '}
            <Link to={`/deliveries/${encodeURIComponent(result.id)}`}>Open delivery</Link>
            {!compact && attempt?.error ? <p className="field-error">{attempt.error}</p> : null}
            {!compact && attempt?.response_body ? (
              <>
                <p className="muted">Response body:</p>
                <pre>{attempt.response_body}</pre>
              </>
            ) : null}
          </>
        ) : null}
      </div>
      {error ? <LoadError error={error} /> : null}
    </div>
  );
}
