import type { ReactNode } from 'react';
import { Navigate, NavLink, Route, Routes } from 'react-router';
import { useSession } from './api/session';
import { Empty } from './components/ui';
import { Accounts } from './pages/accounts/Accounts';
import { ChannelPage } from './pages/channels/ChannelPage';
import { Channels } from './pages/channels/Channels';
import { NewChannel } from './pages/channels/NewChannel';
import { Deliveries } from './pages/deliveries/Deliveries';
import { DeliveryPage } from './pages/deliveries/DeliveryPage';
import { EventPage } from './pages/events/EventPage';
import { Events } from './pages/events/Events';
import { RecurringJobs } from './pages/recurring/RecurringJobs';
import { SignIn } from './pages/SignIn';
import { NewWebhook } from './pages/webhooks/NewWebhook';
import { WebhookPage } from './pages/webhooks/WebhookPage';
import { Webhooks } from './pages/webhooks/Webhooks';

const ACCOUNT_LINKS = [
  ['/webhooks', 'Webhooks'],
  ['/deliveries', 'Deliveries'],
  ['/events', 'Events'],
  ['/channels', 'Channels'],
  ['/recurring-jobs', 'Recurring jobs'],
] as const;

/** Screens of one account: the admin key manages accounts only, so it is sent to sign in with one. */
function AccountOnly({ children }: { children: ReactNode }) {
  const { session } = useSession();
  if (session?.kind === 'account') return children;
  return (
    <Empty title="This screen belongs to an account">
      <p>
        The admin key manages accounts. Create an account (or a key for one) under{' '}
        <NavLink to="/accounts">Accounts</NavLink>, then sign in with that account's key.
      </p>
    </Empty>
  );
}

export function App() {
  const { session, signOut } = useSession();
  if (!session) return <SignIn />;
  return (
    <div className="layout">
      <header className="topbar">
        <span className="brand">Switchyard</span>
        <nav aria-label="Main">
          <ul>
            {ACCOUNT_LINKS.map(([to, label]) => (
              <li key={to}>
                <NavLink to={to}>{label}</NavLink>
              </li>
            ))}
            {session.kind === 'admin' ? (
              <li>
                <NavLink to="/accounts">Accounts</NavLink>
              </li>
            ) : null}
          </ul>
        </nav>
        <span className="who">{session.kind === 'admin' ? 'Admin key' : 'Account key'}</span>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <main className="content">
        <Routes>
          <Route
            index
            element={<Navigate to={session.kind === 'admin' ? '/accounts' : '/webhooks'} replace />}
          />
          <Route
            path="webhooks"
            element={
              <AccountOnly>
                <Webhooks />
              </AccountOnly>
            }
          />
          <Route
            path="webhooks/new"
            element={
              <AccountOnly>
                <NewWebhook />
              </AccountOnly>
            }
          />
          <Route
            path="webhooks/:id"
            element={
              <AccountOnly>
                <WebhookPage />
              </AccountOnly>
            }
          />
          <Route
            path="deliveries"
            element={
              <AccountOnly>
                <Deliveries />
              </AccountOnly>
            }
          />
          <Route
            path="deliveries/:id"
            element={
              <AccountOnly>
                <DeliveryPage />
              </AccountOnly>
            }
          />
          <Route
            path="events"
            element={
              <AccountOnly>
                <Events />
              </AccountOnly>
            }
          />
          <Route
            path="events/:id"
            element={
              <AccountOnly>
                <EventPage />
              </AccountOnly>
            }
          />
          <Route
            path="channels"
            element={
              <AccountOnly>
                <Channels />
              </AccountOnly>
            }
          />
          <Route
            path="channels/new"
            element={
              <AccountOnly>
                <NewChannel />
              </AccountOnly>
            }
          />
          <Route
            path="channels/:id"
            element={
              <AccountOnly>
                <ChannelPage />
              </AccountOnly>
            }
          />
          <Route
            path="recurring-jobs"
            element={
              <AccountOnly>
                <RecurringJobs />
              </AccountOnly>
            }
          />
          <Route
            path="accounts"
            element={
              session.kind === 'admin' ? (
                <Accounts />
              ) : (
                <Empty title="Accounts are managed with the admin key">
                  <p>Sign out and sign in with the admin key to create accounts and keys.</p>
                </Empty>
              )
            }
          />
          <Route
            path="*"
            element={<Empty title="No such page">Pick a screen from the navigation above.</Empty>}
          />
        </Routes>
      </main>
    </div>
  );
}
