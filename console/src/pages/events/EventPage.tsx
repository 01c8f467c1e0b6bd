import { Link, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/session';
import type { EventWithDeliveries } from '../../api/types';
import { Empty, LoadError, Loading, StatusBadge, Time } from '../../components/ui';
import { useResource } from '../../hooks/useResource';
import { useAllWebhooks, webhookLabel } from '../deliveries/webhookNames';

export function EventPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const event = useResource(
    () => api.get<EventWithDeliveries>(`/v1/events/${encodeURIComponent(id)}`),
    [api, id],
    // The deliveries' statuses stay live.
    3000,
  );
  const webhooks = useAllWebhooks();
  const byId = new Map((webhooks.data ?? []).map((w) => [w.id, w]));
  const e = event.data;

  if (event.error && !e) {
    const missing = event.error instanceof ApiError && event.error.status === 404;
    return (
      <>
        <h1>Event</h1>
        {missing ? (
          <p role="alert">
            No event with that id (<code>{id}</code>); it may have been purged by retention.{' '}
            <Link to="/events">All events</Link>
          </p>
        ) : (
          <LoadError error={event.error} retry={() => void event.reload()} />
        )}
      </>
    );
  }
  if (!e) return <Loading />;

  return (
    <>
      <p>
        <Link to="/events">Events</Link> /
      </p>
      <h1>
        Event <code>{e.id}</code>
      </h1>
      <section className="panel" aria-label="Event facts">
        <dl className="facts">
          <dt>Type</dt>
          <dd>{e.type}</dd>
          <dt>Goods owner</dt>
          <dd>{e.goods_owner_id ?? <span className="muted">none</span>}</dd>
          <dt>Message id</dt>
          <dd>
            <code>{e.message_id}</code>
          </dd>
          {e.ordering_key ? (
            <>
              <dt>Ordering key</dt>
              <dd>
                <code>{e.ordering_key}</code>
              </dd>
            </>
          ) : null}
          <dt>Occurred</dt>
          <dd>
            <Time value={e.occurred_at} />
          </dd>
          <dt>Accepted</dt>
          <dd>
            <Time value={e.created_at} />
          </dd>
        </dl>
      </section>

      <h2 id="payload-heading">Payload</h2>
      <pre aria-labelledby="payload-heading">{JSON.stringify(e.payload, null, 2)}</pre>

      <h2>Deliveries</h2>
      {e.deliveries.length === 0 ? (
        <Empty title="No deliveries for this event">
          <p>
            No enabled webhook subscribed to <code>{e.type}</code> (with a scope and filter admitting it) when
            it was accepted.
          </p>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Delivery</th>
                <th scope="col">Webhook</th>
                <th scope="col">Status</th>
              </tr>
            </thead>
            <tbody>
              {e.deliveries.map((d) => {
                const w = byId.get(d.webhook_id);
                return (
                  <tr key={d.id}>
                    <td>
                      <Link to={`/deliveries/${encodeURIComponent(d.id)}`}>
                        <code>{d.id}</code>
                      </Link>
                    </td>
                    <td>
                      <Link to={`/webhooks/${encodeURIComponent(d.webhook_id)}`}>
                        {w ? webhookLabel(w) : <code>{d.webhook_id}</code>}
                      </Link>
                    </td>
                    <td>
                      <StatusBadge status={d.status} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
