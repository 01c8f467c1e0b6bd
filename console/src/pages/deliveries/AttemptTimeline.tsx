import type { Attempt, Delivery } from '../../api/types';
import { Time, formatClock } from '../../components/ui';

/** A response body longer than this (characters or lines) is folded into a <details>. */
const LONG_CHARS = 400;
const LONG_LINES = 8;

function duration(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
}

function ResponseBody({ body }: { body: string | null }) {
  if (body === null || body === '') return <span className="muted">none</span>;
  const long = body.length > LONG_CHARS || body.split('\n').length > LONG_LINES;
  if (!long) return <pre>{body}</pre>;
  return (
    <details>
      <summary>Show response body ({body.length.toLocaleString('en')} characters)</summary>
      <pre>{body}</pre>
    </details>
  );
}

function AttemptItem({ deliveryId, attempt: a }: { deliveryId: string; attempt: Attempt }) {
  const headingId = `${deliveryId}-attempt-${a.number}`;
  const ok = a.status_code !== null && a.status_code >= 200 && a.status_code < 300;
  return (
    <li aria-labelledby={headingId} className={ok ? 'attempt attempt-ok' : 'attempt attempt-failed'}>
      <h3 id={headingId}>Attempt {a.number}</h3>
      <dl className="facts">
        <dt>Started at</dt>
        <dd>
          <Time value={a.started_at} />
        </dd>
        <dt>Duration</dt>
        <dd>{duration(a.duration_ms)}</dd>
        <dt>HTTP status code</dt>
        <dd>{a.status_code ?? <span className="muted">no answer</span>}</dd>
        <dt>Error</dt>
        <dd>{a.error ?? '—'}</dd>
        <dt>Response body</dt>
        <dd>
          <ResponseBody body={a.response_body} />
        </dd>
      </dl>
    </li>
  );
}

/** The attempts, oldest first, and what comes next while the delivery is pending. */
export function AttemptTimeline({ delivery: d }: { delivery: Delivery }) {
  const pending = d.status === 'pending';
  return (
    <section aria-labelledby="attempts-heading">
      <h2 id="attempts-heading">Attempts (oldest first)</h2>
      {d.attempts.length === 0 && !pending ? <p className="muted">No attempt was made.</p> : null}
      <ol className="timeline" aria-label="Attempts">
        {d.attempts.map((a) => (
          <AttemptItem key={a.number} deliveryId={d.id} attempt={a} />
        ))}
        {pending ? (
          <li className="attempt attempt-next" aria-labelledby={`${d.id}-next`}>
            <h3 id={`${d.id}-next`}>Next attempt</h3>
            {d.waiting_for ? (
              <p>Waits for the earlier delivery of its ordering key to finish.</p>
            ) : d.next_attempt_at ? (
              <p>
                At <time dateTime={d.next_attempt_at}>{formatClock(d.next_attempt_at)}</time> UTC{' '}
                <span className="muted">
                  (<Time value={d.next_attempt_at} />)
                </span>
              </p>
            ) : (
              <p>Due now (or after the webhook's delay).</p>
            )}
          </li>
        ) : null}
      </ol>
    </section>
  );
}
