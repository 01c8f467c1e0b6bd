import { useCallback, useEffect, useRef, useState } from 'react';
import { useApi } from '../../api/session';
import type { ApiKey, CreatedKey, Page } from '../../api/types';
import { ConfirmButton, Empty, LoadError, Loading, Pager, Time } from '../../components/ui';
import { useAction } from '../../hooks/useAction';
import { useCursorPages } from '../../hooks/useCursorPages';
import { FreshKey, type ShownKey } from './FreshKey';

const PAGE_SIZE = 20;

/**
 * The live keys of one account (`GET /v1/accounts/{id}/keys`, never the keys themselves):
 * **Create key** adds one (rotation: shown once), **Revoke** ends one at once, after a confirmation.
 * The API lists live keys only, so a revoked key leaves the list; the revocation is noted here.
 */
export function AccountKeys({
  accountId,
  accountName,
  shown,
  onShown,
  focusOnOpen,
}: {
  accountId: string;
  accountName: string;
  /** The key the API just showed for this account (its first one, or one from Create key). */
  shown: ShownKey | null;
  onShown(key: ShownKey): void;
  /** Move the focus (and the view) here when opened, as after Keys or Save. */
  focusOnOpen: boolean;
}) {
  const api = useApi();
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (focusOnOpen) heading.current?.focus();
    // eslint-disable-next-line react-hooks/exhaustive-deps -- once, when this account's keys open
  }, []);
  const [generation, setGeneration] = useState(0);
  const creating = useAction();
  const [revoked, setRevoked] = useState<string[]>([]);
  const base = `/v1/accounts/${encodeURIComponent(accountId)}/keys`;

  const load = useCallback(
    (cursor: string | undefined) => api.get<Page<ApiKey>>(base, { limit: PAGE_SIZE, cursor }),
    [api, base],
  );
  const keys = useCursorPages(load, `${accountId}:${generation}`);

  function createKey() {
    void creating.run(async () => {
      const key = await api.post<CreatedKey>(base);
      onShown({ accountId, accountName, keyId: key.key_id, apiKey: key.api_key, reason: 'key' });
      setGeneration((g) => g + 1);
    });
  }

  async function revoke(keyId: string) {
    await api.del(`${base}/${encodeURIComponent(keyId)}`);
    setRevoked((r) => [...r, keyId]);
    await keys.reload();
  }

  return (
    <section className="panel account-keys" aria-labelledby="account-keys">
      <h2 id="account-keys" ref={heading} tabIndex={-1}>
        Keys of {accountName}
      </h2>
      <p className="muted">
        Account <code>{accountId}</code>. To rotate a key, create a new one, move the clients to it, then
        revoke the old one. Only live keys are listed.
      </p>
      <div className="actions">
        <button type="button" className="primary" disabled={creating.busy} onClick={createKey}>
          Create key
        </button>
      </div>
      {creating.error ? <LoadError error={creating.error} /> : null}
      {shown ? <FreshKey shown={shown} /> : null}
      {revoked.length ? (
        <ul className="revoked-keys" role="status">
          {revoked.map((id) => (
            <li key={id}>
              Key <code>{id}</code> revoked: requests with it are refused (401).
            </li>
          ))}
        </ul>
      ) : null}
      {keys.error ? (
        <LoadError error={keys.error} retry={() => void keys.reload()} />
      ) : keys.loading && !keys.data ? (
        <Loading />
      ) : keys.data && keys.data.data.length === 0 ? (
        <Empty title="No live keys">
          <p>Nobody can sign in to this account. Press Create key to give it one.</p>
        </Empty>
      ) : keys.data ? (
        <>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Key id</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">
                    <span className="visually-hidden">Revoke</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {keys.data.data.map((k) => (
                  <tr key={k.key_id}>
                    <td>
                      <code>{k.key_id}</code>
                    </td>
                    <td>
                      <Time value={k.created_at} />
                    </td>
                    <td>
                      {k.last_used_at ? (
                        <Time value={k.last_used_at} />
                      ) : (
                        <span className="muted">never</span>
                      )}
                    </td>
                    <td>
                      <ConfirmButton
                        label="Revoke"
                        title={`Revoke key ${k.key_id}?`}
                        confirmLabel="Revoke key"
                        onConfirm={() => revoke(k.key_id)}
                      >
                        <p>
                          Every request with this key of <strong>{accountName}</strong> is refused from now
                          on. This cannot be undone.
                        </p>
                      </ConfirmButton>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <Pager {...keys} />
        </>
      ) : null}
    </section>
  );
}
