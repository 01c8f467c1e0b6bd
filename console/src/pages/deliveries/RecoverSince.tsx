import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/session';
import { useAction } from '../../hooks/useAction';
import { Field, FormErrors } from '../../components/forms';

/**
 * A `datetime-local` value read as UTC (`2026-11-30T07:00` → `2026-11-30T07:00:00Z`); anything
 * else is sent as typed, for the API to judge.
 */
export function utcFromLocalInput(value: string): string {
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}$/.test(value)) return `${value}:00Z`;
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?$/.test(value)) return `${value}Z`;
  return value;
}

/** **Recover since**: POST /v1/webhooks/{id}/recover resends the webhook's failed deliveries since a time. */
export function RecoverSince({ webhookId, onRecovered }: { webhookId: string; onRecovered(): void }) {
  const api = useApi();
  const [since, setSince] = useState('');
  const { busy, error, run } = useAction();
  const [count, setCount] = useState<number | null>(null);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setCount(null);
    void run(async () => {
      const res = await api.post<{ count: number }>(`/v1/webhooks/${encodeURIComponent(webhookId)}/recover`, {
        since: utcFromLocalInput(since),
      });
      setCount(res.count);
      onRecovered();
    });
  };

  return (
    <section className="panel" aria-labelledby="recover-since">
      <h2 id="recover-since">Recover since</h2>
      <p className="muted">Resends every failed delivery of this webhook created since the time below.</p>
      <FormErrors error={error} claimed={['since']}>
        <form onSubmit={submit} noValidate>
          <Field label="Since" path="since" hint="UTC date and time (not your local time)">
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                step={1}
                value={since}
                onChange={(e) => setSince(e.target.value)}
              />
            )}
          </Field>
          <div className="actions">
            <button type="submit" className="primary" disabled={busy}>
              Recover
            </button>
            {count !== null ? (
              <span role="status">
                {count} {count === 1 ? 'delivery' : 'deliveries'} resent
              </span>
            ) : null}
          </div>
        </form>
      </FormErrors>
    </section>
  );
}
