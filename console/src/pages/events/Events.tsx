import { useState, type FormEvent } from 'react';
import { Link, useNavigate } from 'react-router';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/session';
import type { Event, EventType, Page } from '../../api/types';
import { Field, FormErrors } from '../../components/forms';
import { Empty, LoadError, Loading, Pager, Time } from '../../components/ui';
import { useCursorPages } from '../../hooks/useCursorPages';
import { useAction } from '../../hooks/useAction';
import { useUrlFilters } from '../../hooks/useUrlFilters';
import { useResource } from '../../hooks/useResource';

/** Event types by their catalogue group, in catalogue order. */
function byGroup(types: EventType[]): [string, EventType[]][] {
  const groups = new Map<string, EventType[]>();
  for (const t of types) groups.set(t.group, [...(groups.get(t.group) ?? []), t]);
  return [...groups];
}

/** **Event ID** + **Open**: straight to one event's page, or "No event with that id". */
function OpenById() {
  const api = useApi();
  const navigate = useNavigate();
  const [id, setId] = useState('');
  const { busy, error, run } = useAction();

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const wanted = id.trim();
    void run(async () => {
      if (!wanted) {
        throw new ApiError(422, 'validation_error', 'Type an event id to open.', [
          { path: 'id', message: 'is required' },
        ]);
      }
      try {
        await api.get<Event>(`/v1/events/${encodeURIComponent(wanted)}`);
      } catch (err) {
        throw err instanceof ApiError && err.status === 404
          ? new ApiError(404, 'not_found', `Nothing opened: ${wanted}`, [
              { path: 'id', message: 'No event with that id' },
            ])
          : err;
      }
      await navigate(`/events/${encodeURIComponent(wanted)}`);
    });
  };

  return (
    <FormErrors error={error} claimed={['id']}>
      <form className="toolbar" role="search" aria-label="Open an event" onSubmit={submit} noValidate>
        <Field label="Event ID" path="id">
          {(p) => <input {...p} value={id} onChange={(e) => setId(e.target.value)} />}
        </Field>
        <div className="field">
          <button type="submit" disabled={busy}>
            Open
          </button>
        </div>
      </form>
    </FormErrors>
  );
}

/** The account's events, newest first, filtered by type and goods owner (kept in the URL's query). */
export function Events() {
  const api = useApi();
  const filters = useUrlFilters<'type' | 'goods_owner_id'>();
  const setFilter = filters.set;
  const type = filters.get('type');
  const goodsOwner = filters.get('goods_owner_id');
  const types = useResource(() => api.get<{ data: EventType[] }>('/v1/event-types'), [api]);

  const list = useCursorPages<Event>(
    (cursor) => api.get<Page<Event>>('/v1/events', { type, goods_owner_id: goodsOwner.trim(), cursor }),
    JSON.stringify([type, goodsOwner.trim()]),
  );
  const invalid = list.error instanceof ApiError && list.error.status === 422;
  const known = (types.data?.data ?? []).some((t) => t.type === type);

  return (
    <>
      <h1>Events</h1>
      <OpenById />
      <FormErrors error={invalid ? list.error : undefined} claimed={['type', 'goods_owner_id']}>
        <form
          className="toolbar"
          role="search"
          aria-label="Filter events"
          onSubmit={(e) => e.preventDefault()}
        >
          <Field label="Type" path="type">
            {(p) => (
              <select {...p} value={type} onChange={(e) => setFilter('type', e.target.value)}>
                <option value="">Any</option>
                {type && !known ? <option value={type}>{type}</option> : null}
                {byGroup(types.data?.data ?? []).map(([group, items]) => (
                  <optgroup key={group} label={group}>
                    {items.map((t) => (
                      <option key={t.type} value={t.type}>
                        {t.type}
                      </option>
                    ))}
                  </optgroup>
                ))}
              </select>
            )}
          </Field>
          <Field label="Goods owner" path="goods_owner_id">
            {(p) => (
              <input
                {...p}
                type="search"
                value={goodsOwner}
                onChange={(e) => setFilter('goods_owner_id', e.target.value)}
              />
            )}
          </Field>
        </form>
      </FormErrors>
      {types.error ? <LoadError error={types.error} retry={() => void types.reload()} /> : null}
      {list.error && !invalid ? <LoadError error={list.error} retry={() => void list.reload()} /> : null}
      {list.loading && !list.data ? <Loading /> : null}
      {list.data && list.data.data.length === 0 ? (
        type || goodsOwner.trim() ? (
          <Empty title="No events match these filters">
            <p>Set Type back to Any or clear the goods owner.</p>
          </Empty>
        ) : (
          <Empty title="No events yet">
            <p>
              Events come from your systems: post them to <code>POST /v1/events</code> with a catalogue type
              (see <code>GET /v1/event-types</code>). Switchyard's own operational events appear here too.
            </p>
          </Empty>
        )
      ) : null}
      {list.data && list.data.data.length > 0 ? (
        <div className="table-wrap">
          <table>
            <caption className="muted">Newest first.</caption>
            <thead>
              <tr>
                <th scope="col">Event</th>
                <th scope="col">Type</th>
                <th scope="col">Goods owner</th>
                <th scope="col">Occurred</th>
                <th scope="col">Accepted</th>
                <th scope="col">Message id</th>
              </tr>
            </thead>
            <tbody>
              {list.data.data.map((e) => (
                <tr key={e.id}>
                  <td>
                    <Link to={`/events/${encodeURIComponent(e.id)}`}>
                      <code>{e.id}</code>
                    </Link>
                  </td>
                  <td>{e.type}</td>
                  <td>{e.goods_owner_id ?? <span className="muted">none</span>}</td>
                  <td>
                    <Time value={e.occurred_at} />
                  </td>
                  <td>
                    <Time value={e.created_at} />
                  </td>
                  <td>
                    <code>{e.message_id}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager {...list} />
    </>
  );
}
