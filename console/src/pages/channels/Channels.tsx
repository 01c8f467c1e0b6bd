import { Link, useNavigate } from 'react-router';
import { useApi } from '../../api/session';
import type { Channel, Page } from '../../api/types';
import { Empty, LoadError, Loading, Pager } from '../../components/ui';
import { useCursorPages } from '../../hooks/useCursorPages';

/** Channels ⇒ the account's sales and fulfillment channels, newest first. */
export function Channels() {
  const api = useApi();
  const navigate = useNavigate();
  const pages = useCursorPages<Channel>(
    (cursor) => api.get<Page<Channel>>('/v1/channels', { limit: 25, cursor }),
    'channels',
  );
  return (
    <>
      <h1>Channels</h1>
      <p className="hint">
        Sales and fulfillment channels are kept in sync by jobs, pushed by the channel (webhook mode) or
        pulled on a schedule (recurring mode).
      </p>
      <div className="actions">
        {/* Named as the form's submit button is: a channel is created with "Create channel". */}
        <button type="button" className="primary" onClick={() => void navigate('/channels/new')}>
          Create channel
        </button>
      </div>
      {pages.error ? <LoadError error={pages.error} retry={() => void pages.reload()} /> : null}
      {pages.loading && !pages.data ? <Loading /> : null}
      {pages.data && pages.data.data.length === 0 && pages.pageNumber === 1 ? (
        <Empty title="No channels yet">
          <p>
            Add one with <strong>Create channel</strong> above: name it, pick its kind, release and mode, and
            give the connector URL its jobs are sent to.
          </p>
        </Empty>
      ) : null}
      {pages.data && pages.data.data.length > 0 ? (
        <div className="table-wrap">
          <table aria-label="Channels">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Kind</th>
                <th scope="col">Release</th>
                <th scope="col">Mode</th>
                <th scope="col">Connector URL</th>
              </tr>
            </thead>
            <tbody>
              {pages.data.data.map((c) => (
                <tr key={c.id}>
                  <td>
                    <Link to={`/channels/${encodeURIComponent(c.id)}`}>{c.name}</Link>
                  </td>
                  <td>{c.kind}</td>
                  <td>{c.release}</td>
                  <td>{c.mode}</td>
                  <td>
                    <code>{c.connector.url}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager {...pages} />
    </>
  );
}
