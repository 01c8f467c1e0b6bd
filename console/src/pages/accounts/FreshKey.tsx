import { useNavigate } from 'react-router';
import { useSession } from '../../api/session';
import { ShownOnce } from '../../components/ui';

/** A key the API has just shown (a new account's first key, or one added by Create key). */
export interface ShownKey {
  accountId: string;
  accountName: string;
  keyId: string;
  apiKey: string;
  reason: 'account' | 'key';
}

/** The key, shown once, with its id and a shortcut to sign in with it. */
export function FreshKey({ shown }: { shown: ShownKey }) {
  const { signIn } = useSession();
  const navigate = useNavigate();
  return (
    <div className="fresh-key">
      <p>
        {shown.reason === 'account' ? (
          <>
            Account <strong>{shown.accountName}</strong> was created with key <code>{shown.keyId}</code>.
          </>
        ) : (
          <>
            Key <code>{shown.keyId}</code> was added to <strong>{shown.accountName}</strong>. The older keys
            keep working until you revoke them.
          </>
        )}
      </p>
      <ShownOnce label="API key" value={shown.apiKey} />
      <button
        type="button"
        onClick={() => {
          signIn({ key: shown.apiKey, kind: 'account' });
          void navigate('/webhooks');
        }}
      >
        Sign in with this key
      </button>
    </div>
  );
}
