import { useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/session';
import type { RotatedSecret, Webhook } from '../../api/types';
import { useResource } from '../../hooks/useResource';
import { ConfirmButton, Empty, LoadError, Loading, ShownOnce, StatusBadge, Time } from '../../components/ui';
import { TestWebhook } from './TestWebhook';
import { WebhookForm } from './WebhookForm';

function retryText(w: Webhook): string {
  if (w.retry_policy === 'none') return 'None (one attempt)';
  if (w.retry_policy === 'one_day') return 'One day';
  const c = w.retry_countdown_config;
  const kwargs = c
    ? Object.entries(c.kwargs)
        .filter(([, v]) => v !== null && v !== undefined)
        .map(([k, v]) => `${k} ${String(v)}`)
        .join(', ')
    : '';
  return `Countdown: ${c?.choice ?? '?'}${kwargs ? ` (${kwargs})` : ''}, at most ${w.max_attempts} attempts`;
}

function Facts({ w }: { w: Webhook }) {
  return (
    <dl className="facts">
      <dt>ID</dt>
      <dd>
        <code>{w.id}</code>
      </dd>
      <dt>Status</dt>
      <dd>
        <StatusBadge status={w.enabled ? 'enabled' : 'disabled'} />
        {w.disabled_reason ? <span className="muted"> {w.disabled_reason}</span> : null}
      </dd>
      <dt>Scope</dt>
      <dd>
        {w.scope === 'regular' ? (
          <>
            Regular, goods owner <code>{w.goods_owner_id}</code>
          </>
        ) : (
          'Automation (every goods owner)'
        )}
      </dd>
      <dt>Event type</dt>
      <dd>
        <code>{w.event_type}</code>
      </dd>
      <dt>Target URL</dt>
      <dd>
        <code>{w.target_url}</code>
      </dd>
      <dt>Retries</dt>
      <dd>{retryText(w)}</dd>
      <dt>Delay / timeout</dt>
      <dd>
        {w.delay ?? 'no delay'} / {w.timeout}
      </dd>
      <dt>Signing</dt>
      <dd>
        {w.has_secret_key ? 'a secret is set' : 'unsigned'}
        {w.old_secret_expires_at && new Date(w.old_secret_expires_at) > new Date() ? (
          <>
            {' '}
            (the replaced secret also signs until <Time value={w.old_secret_expires_at} />)
          </>
        ) : null}
      </dd>
      <dt>Created / updated</dt>
      <dd>
        <Time value={w.created_at} /> / <Time value={w.updated_at} />
      </dd>
    </dl>
  );
}

export function WebhookPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const location = useLocation();
  const created = (location.state as { created?: boolean } | null)?.created === true;
  const path = `/v1/webhooks/${encodeURIComponent(id)}`;
  const webhook = useResource(() => api.get<Webhook>(path), [path]);
  const [saved, setSaved] = useState(false);
  const [rotated, setRotated] = useState<RotatedSecret>();

  if (webhook.error instanceof ApiError && webhook.error.status === 404) {
    return (
      <Empty title="No such webhook">
        <p>
          It may have been deleted. Back to <Link to="/webhooks">Webhooks</Link>.
        </p>
      </Empty>
    );
  }
  if (webhook.error && !webhook.data)
    return <LoadError error={webhook.error} retry={() => void webhook.reload()} />;
  const w = webhook.data;
  if (!w) return <Loading />;

  return (
    <section className="webhook-page">
      <p>
        <Link to="/webhooks">← Webhooks</Link>
      </p>
      <h1>{w.name || w.id}</h1>
      {created ? (
        <p role="status" className="notice">
          Webhook created.
        </p>
      ) : null}
      <Facts w={w} />
      <div className="actions">
        <Link to={`/deliveries?webhook_id=${encodeURIComponent(w.id)}`}>Delivery log</Link>
        <ConfirmButton
          label="Rotate secret"
          title="Rotate the signing secret?"
          confirmLabel="Rotate now"
          className=""
          onConfirm={async () => {
            setRotated(await api.post<RotatedSecret>(`${path}/rotate-secret`, {}));
            await webhook.reload();
          }}
        >
          <p>
            A new whsec_ secret is generated and shown once. The current secret keeps signing beside it for 24
            hours, so receivers can switch over.
          </p>
        </ConfirmButton>
        <ConfirmButton
          label="Delete"
          title="Delete this webhook?"
          confirmLabel="Delete webhook"
          onConfirm={async () => {
            await api.del(path);
            await navigate('/webhooks');
          }}
        >
          <p>
            <strong>{w.name || w.id}</strong> receives nothing more, and its pending deliveries make no
            further attempts. This cannot be undone.
          </p>
        </ConfirmButton>
      </div>
      {rotated ? (
        <>
          <ShownOnce label="New secret key" value={rotated.secret_key} />
          {rotated.old_secret_expires_at ? (
            <p className="muted">
              The old secret also signs until <Time value={rotated.old_secret_expires_at} />.
            </p>
          ) : null}
        </>
      ) : null}
      <h2>Test</h2>
      <p className="muted">Delivers a webhook.test event now: one attempt, no delay, no filter.</p>
      <TestWebhook webhookId={w.id} />
      <h2>Settings</h2>
      {saved ? (
        <p role="status" className="notice">
          Saved.
        </p>
      ) : null}
      <WebhookForm
        key={w.updated_at}
        scope={w.scope}
        webhook={w}
        onSubmit={() => setSaved(false)}
        onSaved={() => {
          setSaved(true);
          void webhook.reload();
        }}
      />
    </section>
  );
}
