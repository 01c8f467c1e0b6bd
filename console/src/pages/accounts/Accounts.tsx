import { useCallback, useState } from 'react';
import { useSearchParams } from 'react-router';
import { useApi } from '../../api/session';
import type { Account, CreatedAccount, Page } from '../../api/types';
import { Empty, LoadError, Loading, Pager, Time } from '../../components/ui';
import { useCursorPages } from '../../hooks/useCursorPages';
import { AccountKeys } from './AccountKeys';
import { CreateAccountForm } from './CreateAccountForm';
import type { ShownKey } from './FreshKey';

const PAGE_SIZE = 20;

/**
 * The admin key's screen: every account (paged with the API's cursors), a form to create one
 * (its first key shown once), and the keys of the account picked (`?account=<id>`): create one
 * (rotation), revoke one.
 */
export function Accounts() {
  const api = useApi();
  const [params, setParams] = useSearchParams();
  const selectedId = params.get('account');
  /** The key the API just showed, kept on screen until another is shown or the page is left. */
  const [shown, setShown] = useState<ShownKey | null>(null);
  /** Bumped when an account is created: the list starts again at its first (newest) page. */
  const [generation, setGeneration] = useState(0);
  /** Names of accounts seen, so the picked one keeps its name when the list pages on. */
  const [names, setNames] = useState<Record<string, string>>({});
  /** Whether the keys were opened just now (then they take the focus), not by a link or reload. */
  const [opened, setOpened] = useState(false);

  const load = useCallback(
    (cursor: string | undefined) =>
      api.get<Page<Account>>('/v1/accounts', { limit: PAGE_SIZE, cursor }).then((page) => {
        setNames((known) => ({ ...known, ...Object.fromEntries(page.data.map((a) => [a.id, a.name])) }));
        return page;
      }),
    [api],
  );
  const accounts = useCursorPages(load, `accounts:${generation}`);

  const select = (id: string | null) => {
    setOpened(id !== null);
    setParams(id ? { account: id } : {});
  };

  const onCreated = (account: CreatedAccount) => {
    setNames((known) => ({ ...known, [account.id]: account.name }));
    setShown({
      accountId: account.id,
      accountName: account.name,
      keyId: account.key_id,
      apiKey: account.api_key,
      reason: 'account',
    });
    setGeneration((g) => g + 1);
    select(account.id);
  };

  const selectedName = selectedId ? (names[selectedId] ?? selectedId) : null;

  return (
    <div className="accounts">
      <h1>Accounts</h1>
      <p className="muted">
        Each account has its own webhooks, deliveries, events and channels, reached with one of its API keys.
        Keys are shown once when created; revoke a key to stop it at once.
      </p>

      <section className="panel" aria-labelledby="create-account">
        <h2 id="create-account">Create account</h2>
        <CreateAccountForm onCreated={onCreated} />
      </section>

      <section aria-labelledby="account-list">
        <h2 id="account-list">All accounts</h2>
        {accounts.error ? (
          <LoadError error={accounts.error} retry={() => void accounts.reload()} />
        ) : accounts.loading && !accounts.data ? (
          <Loading />
        ) : accounts.data && accounts.data.data.length === 0 ? (
          <Empty title="No accounts yet">
            <p>Create one above: give it a name and press Save. Its first API key is shown once.</p>
          </Empty>
        ) : accounts.data ? (
          <>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Name</th>
                    <th scope="col">Account id</th>
                    <th scope="col">Created</th>
                    <th scope="col">
                      <span className="visually-hidden">Keys</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {accounts.data.data.map((a) => (
                    <tr key={a.id} aria-current={a.id === selectedId ? 'true' : undefined}>
                      <td>{a.name}</td>
                      <td>
                        <code>{a.id}</code>
                      </td>
                      <td>
                        <Time value={a.created_at} />
                      </td>
                      <td>
                        <button
                          type="button"
                          aria-label={`Keys of ${a.name}`}
                          aria-pressed={a.id === selectedId}
                          onClick={() => select(a.id === selectedId ? null : a.id)}
                        >
                          Keys
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager {...accounts} />
          </>
        ) : null}
      </section>

      {selectedId && selectedName !== null ? (
        <AccountKeys
          key={selectedId}
          accountId={selectedId}
          accountName={selectedName}
          shown={shown && shown.accountId === selectedId ? shown : null}
          focusOnOpen={opened}
          onShown={setShown}
        />
      ) : null}
    </div>
  );
}
