import { Link } from 'react-router';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/session';
import type { Delivery, DeliveryStatus, Page, Webhook } from '../../api/types';
import { Field, FormErrors } from '../../components/forms';
import { Empty, LoadError, Loading, Pager, StatusBadge, Time } from '../../components/ui';
import { useCursorPages } from '../../hooks/useCursorPages';
import { useUrlFilters } from '../../hooks/useUrlFilters';
import { RecoverSince } from './RecoverSince';
import { useAllWebhooks, webhookLabel } from './webhookNames';

const STATUSES: DeliveryStatus[] = ['pending', 'delivered', 'failed', 'cancelled'];
const FILTERS = ['webhook_id', 'event_id', 'status'] as const;

/** Deliveries of the account, newest first, filtered by the URL's query (`?webhook_id=whk_...`). */
export function Deliveries() {
  const api = useApi();
  const filters = useUrlFilters<(typeof FILTERS)[number]>();
  const setFilter = filters.set;
  const webhookId = filters.get('webhook_id');
  const eventId = filters.get('event_id');
  const status = filters.get('status');
  const webhooks = useAllWebhooks();
  const byId = new Map((webhooks.data ?? []).map((w) => [w.id, w]));

  const list = useCursorPages<Delivery>(
    (cursor) =>
      api.get<Page<Delivery>>('/v1/deliveries', {
        webhook_id: webhookId,
        event_id: eventId.trim(),
        status,
        cursor,
      }),
    JSON.stringify([webhookId, eventId.trim(), status]),
    2000,
  );
  const filtered = Boolean(webhookId || eventId.trim() || status);
  const invalid = list.error instanceof ApiError && list.error.status === 422;
  const selected = webhookId ? byId.get(webhookId) : undefined;

  return (
    <>
      <h1>Deliveries</h1>
      <FormErrors error={invalid ? list.error : undefined} claimed={[...FILTERS]}>
        <form
          className="toolbar"
          role="search"
          aria-label="Filter deliveries"
          onSubmit={(e) => e.preventDefault()}
        >
          <Field label="Webhook" path="webhook_id">
            {(p) => (
              <select {...p} value={webhookId} onChange={(e) => setFilter('webhook_id', e.target.value)}>
                <option value="">Any</option>
                {webhookId && !selected ? <option value={webhookId}>{webhookId}</option> : null}
                {(webhooks.data ?? []).map((w) => (
                  <option key={w.id} value={w.id}>
                    {webhookLabel(w)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field label="Event" path="event_id" hint="An event id">
            {(p) => (
              <input
                {...p}
                type="search"
                value={eventId}
                onChange={(e) => setFilter('event_id', e.target.value)}
              />
            )}
          </Field>
          <Field label="Status" path="status">
            {(p) => (
              <select {...p} value={status} onChange={(e) => setFilter('status', e.target.value)}>
                <option value="">Any</option>
                {STATUSES.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </form>
      </FormErrors>
      {webhooks.error ? <LoadError error={webhooks.error} retry={() => void webhooks.reload()} /> : null}

      {webhookId ? (
        <RecoverSince key={webhookId} webhookId={webhookId} onRecovered={() => void list.reload()} />
      ) : null}

      {list.error && !invalid ? <LoadError error={list.error} retry={() => void list.reload()} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.data.length === 0 ? (
        filtered ? (
          <Empty title="No deliveries match these filters">
            <p>Set a filter back to Any, or clear the event id.</p>
          </Empty>
        ) : (
          <Empty title="No deliveries yet">
            <p>
              A delivery is made for each webhook whose event type matches an event posted to{' '}
              <code>POST /v1/events</code>, or when you press <strong>Test</strong> on a{' '}
              <Link to="/webhooks">webhook</Link>.
            </p>
          </Empty>
        )
      ) : null}
      {list.data && list.data.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="muted">Newest first; refreshed every 2 seconds.</caption>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Event</th>
                <th scope="col">Webhook</th>
                <th scope="col">Status</th>
                <th scope="col">Attempts</th>
                <th scope="col">Last status code</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Created</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((d) => (
                <DeliveryRow key={d.id} delivery={d} webhook={byId.get(d.webhook_id)} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager {...list} />
    </>
  );
}

function DeliveryRow({ delivery: d, webhook }: { delivery: Delivery; webhook: Webhook | undefined }) {
  const last = d.attempts[d.attempts.length - 1];
  return (
    <tr>
      <td>
        <Link to={`/deliveries/${encodeURIComponent(d.id)}`}>
          <code>{d.id}</code>
        </Link>
      </td>
      <td>
        <Link to={`/events/${encodeURIComponent(d.event_id)}`}>
          <code>{d.event_id}</code>
        </Link>
      </td>
      <td>
        <Link to={`/webhooks/${encodeURIComponent(d.webhook_id)}`}>
          {webhook ? webhookLabel(webhook) : <code>{d.webhook_id}</code>}
        </Link>
      </td>
      <td>
        <StatusBadge status={d.status} />
      </td>
      <td>{d.attempts.length}</td>
      <td>{last ? (last.status_code ?? <span className="muted">none</span>) : '—'}</td>
      <td>{d.status === 'pending' ? <Time value={d.next_attempt_at} /> : '—'}</td>
      <td>
        <Time value={d.created_at} />
      </td>
    </tr>
  );
}
