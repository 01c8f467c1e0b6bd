import { useRef, useState } from 'react';
import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/session';
import { TemporalLink } from '../../api/settings';
import type { Delivery, Webhook } from '../../api/types';
import { ConfirmButton, LoadError, Loading, StatusBadge, Time } from '../../components/ui';
import { useResource } from '../../hooks/useResource';
import { AttemptTimeline } from './AttemptTimeline';
import { webhookLabel } from './webhookNames';

/** How often the page asks again: every second while pending (or just after an action), else every 10 s. */
const LIVE_MS = 1000;
const IDLE_MS = 10_000;
/** After Retry or Cancel, poll fast this long even if the delivery still reads finished. */
const AFTER_ACTION_MS = 30_000;

export function DeliveryPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const [fast, setFast] = useState(false);
  const actions = useRef(0);
  const [pollMs, setPollMs] = useState(LIVE_MS);
  const delivery = useResource(
    () => api.get<Delivery>(`/v1/deliveries/${encodeURIComponent(id)}`),
    [api, id],
    pollMs,
  );
  const d = delivery.data;
  const wantMs = !d || d.status === 'pending' || fast ? LIVE_MS : IDLE_MS;
  if (wantMs !== pollMs) setPollMs(wantMs);

  const webhookId = d?.webhook_id;
  const webhook = useResource(
    () =>
      webhookId
        ? api.get<Webhook>(`/v1/webhooks/${encodeURIComponent(webhookId)}`)
        : Promise.resolve(undefined),
    [api, webhookId],
  );

  const [retrying, setRetrying] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const [notice, setNotice] = useState<string>();

  if (delivery.error && !d) {
    const missing = delivery.error instanceof ApiError && delivery.error.status === 404;
    return (
      <>
        <h1>Delivery</h1>
        {missing ? (
          <p role="alert">
            No delivery with the id <code>{id}</code> (it may have been purged by retention).{' '}
            <Link to="/deliveries">All deliveries</Link>
          </p>
        ) : (
          <LoadError error={delivery.error} retry={() => void delivery.reload()} />
        )}
      </>
    );
  }
  if (!d) return <Loading />;

  /** Polls fast for a while after an action, until the workflow has taken it up. */
  const acted = () => {
    const mine = ++actions.current;
    setFast(true);
    setPollMs(LIVE_MS);
    setTimeout(() => {
      if (actions.current === mine) setFast(false);
    }, AFTER_ACTION_MS);
  };

  const retry = () => {
    setRetrying(true);
    setActionError(undefined);
    setNotice(undefined);
    api
      .post(`/v1/deliveries/${encodeURIComponent(d.id)}/retry`)
      .then(
        () => {
          acted();
          setNotice(d.status === 'pending' ? 'Attempting now.' : 'Sent again as a new cycle.');
          return delivery.reload();
        },
        (err: unknown) => setActionError(err),
      )
      .finally(() => setRetrying(false));
  };

  const cancel = async () => {
    setActionError(undefined);
    setNotice(undefined);
    await api.post(`/v1/deliveries/${encodeURIComponent(d.id)}/cancel`);
    acted();
    setNotice('Cancelling.');
    await delivery.reload();
  };

  return (
    <>
      <p>
        <Link to="/deliveries">Deliveries</Link> /
      </p>
      <h1>
        Delivery <code>{d.id}</code>
      </h1>
      <section className="panel" aria-label="Delivery facts">
        <dl className="facts">
          <dt>Status</dt>
          <dd aria-live="polite">
            <StatusBadge status={d.status} />
          </dd>
          <dt>Event</dt>
          <dd>
            <Link to={`/events/${encodeURIComponent(d.event_id)}`}>
              <code>{d.event_id}</code>
            </Link>
          </dd>
          <dt>Webhook</dt>
          <dd>
            <Link to={`/webhooks/${encodeURIComponent(d.webhook_id)}`}>
              {webhook.data ? webhookLabel(webhook.data) : <code>{d.webhook_id}</code>}
            </Link>
          </dd>
          <dt>Created</dt>
          <dd>
            <Time value={d.created_at} />
          </dd>
          <dt>Finished</dt>
          <dd>
            <Time value={d.finished_at} />
          </dd>
          <dt>Next attempt at</dt>
          <dd>{d.status === 'pending' ? <Time value={d.next_attempt_at} /> : '—'}</dd>
          {d.waiting_for ? (
            <>
              <dt>Waiting for</dt>
              <dd>
                <Link to={`/deliveries/${encodeURIComponent(d.waiting_for)}`}>
                  <code>{d.waiting_for}</code>
                </Link>{' '}
                <span className="muted">(the earlier delivery of the same ordering key)</span>
              </dd>
            </>
          ) : null}
          <dt>Last error</dt>
          <dd>{d.last_error ?? '—'}</dd>
          <dt>Workflow</dt>
          <dd>
            <code>{d.workflow_id}</code> <TemporalLink workflowId={d.workflow_id} />
          </dd>
        </dl>
      </section>

      <div className="actions">
        <button type="button" onClick={retry} disabled={retrying}>
          Retry
        </button>
        {d.status === 'pending' ? (
          <ConfirmButton
            label="Cancel"
            title="Cancel this delivery?"
            confirmLabel="Cancel delivery"
            onConfirm={cancel}
          >
            <p>
              No further attempts are made and the delivery ends <strong>cancelled</strong>. It can still be
              sent again later with Retry.
            </p>
          </ConfirmButton>
        ) : null}
        <span role="status">{notice}</span>
      </div>
      {actionError ? <LoadError error={actionError} /> : null}
      {delivery.error ? <LoadError error={delivery.error} retry={() => void delivery.reload()} /> : null}

      <AttemptTimeline delivery={d} />
    </>
  );
}
