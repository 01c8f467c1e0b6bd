import { useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { useApi } from '../../api/session';
import type { Delivery, Page, Webhook } from '../../api/types';
import { useCursorPages } from '../../hooks/useCursorPages';
import { useResource } from '../../hooks/useResource';
import { Empty, LoadError, Loading, Pager, StatusBadge } from '../../components/ui';
import { httpStatus, latestAttempt, TestWebhook } from './TestWebhook';

const PAGE_SIZE = 20;

/** The newest delivery of a webhook, kept fresh by polling (and at once after a Test). */
function LastDelivery({ webhookId, refresh }: { webhookId: string; refresh: number }) {
  const api = useApi();
  const last = useResource(
    () => api.get<Page<Delivery>>('/v1/deliveries', { webhook_id: webhookId, limit: 1 }),
    [webhookId, refresh],
    5000,
  );
  if (last.error) return <span className="muted">could not load</span>;
  if (!last.data) return <span className="muted">…</span>;
  const delivery = last.data.data[0];
  if (!delivery) return <span className="muted">none yet</span>;
  return (
    <Link to={`/deliveries/${encodeURIComponent(delivery.id)}`} className="last-delivery">
      <StatusBadge status={delivery.status} /> {httpStatus(latestAttempt(delivery))}
    </Link>
  );
}

function Row({ webhook: w }: { webhook: Webhook }) {
  const [refresh, setRefresh] = useState(0);
  return (
    <tr>
      <td>
        <Link to={`/webhooks/${encodeURIComponent(w.id)}`}>{w.name || w.id}</Link>
      </td>
      <td>
        <code>{w.event_type}</code>
      </td>
      <td className="target-url">
        <code>{w.target_url}</code>
      </td>
      <td>
        {w.scope === 'regular' ? (
          <>
            Regular · <code>{w.goods_owner_id}</code>
          </>
        ) : (
          'Automation · every goods owner'
        )}
      </td>
      <td>
        <StatusBadge status={w.enabled ? 'enabled' : 'disabled'} />
        {w.disabled_reason ? <div className="muted">{w.disabled_reason}</div> : null}
      </td>
      <td>
        <LastDelivery webhookId={w.id} refresh={refresh} />
      </td>
      <td>
        <TestWebhook webhookId={w.id} compact onDone={() => setRefresh((n) => n + 1)} />
      </td>
    </tr>
  );
}

export function Webhooks() {
  const api = useApi();
  const navigate = useNavigate();
  const pages = useCursorPages(
    (cursor) => api.get<Page<Webhook>>('/v1/webhooks', { cursor, limit: PAGE_SIZE }),
    'all',
  );
  const rows = pages.data?.data ?? [];
  return (
    <section className="webhooks">
      <h1>Webhooks</h1>
      <p className="muted">
        A regular webhook fires only for the events of one goods owner; an automation webhook fires for every
        goods owner of the account.
      </p>
      <div className="toolbar">
        <button
          type="button"
          className="primary"
          onClick={() => void navigate('/webhooks/new?scope=regular')}
        >
          Create new regular webhook
        </button>
        <button type="button" onClick={() => void navigate('/webhooks/new?scope=automation')}>
          Create new automation webhook
        </button>
      </div>
      {pages.error ? <LoadError error={pages.error} retry={() => void pages.reload()} /> : null}
      {pages.loading && !pages.data ? <Loading /> : null}
      {pages.data && rows.length === 0 && pages.pageNumber === 1 ? (
        <Empty title="No webhooks yet">
          <p>
            Create one with <strong>Create new regular webhook</strong> (events of one goods owner) or{' '}
            <strong>Create new automation webhook</strong> (events of every goods owner).
          </p>
        </Empty>
      ) : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Event type</th>
                <th scope="col">Target URL</th>
                <th scope="col">Scope</th>
                <th scope="col">Status</th>
                <th scope="col">Last delivery</th>
                <th scope="col">Test</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((w) => (
                <Row key={w.id} webhook={w} />
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager {...pages} />
    </section>
  );
}
