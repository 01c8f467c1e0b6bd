import { useState, type FormEvent } from 'react';
import { ApiError, identify } from '../api/client';
import { useSession } from '../api/session';
import { Field, FormErrors } from '../components/forms';
import { useAction } from '../hooks/useAction';

export function SignIn() {
  const { signIn } = useSession();
  const [key, setKey] = useState('');
  const { busy, error, run } = useAction();

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const trimmed = key.trim();
      try {
        signIn({ key: trimmed, kind: await identify(trimmed) });
      } catch (err) {
        throw err instanceof ApiError && err.status === 401
          ? new ApiError(401, err.code, 'That API key is not valid or has been revoked.', [
              { path: 'api_key', message: 'is not a valid API key' },
            ])
          : err;
      }
    });
  }

  return (
    <main className="sign-in">
      <h1>Switchyard</h1>
      <p>
        Sign in with an account's API key to manage its webhooks, deliveries and channels, or with the admin
        key to manage accounts.
      </p>
      <form onSubmit={submit} noValidate>
        <FormErrors error={error} claimed={['api_key']}>
          <Field
            label="API key"
            path="api_key"
            hint="An account key (sy_…), or the admin key (sya_…; on an embedded install it is in .data/admin-key)."
          >
            {(props) => (
              <input
                {...props}
                type="password"
                autoComplete="off"
                required
                value={key}
                onChange={(e) => setKey(e.target.value)}
              />
            )}
          </Field>
        </FormErrors>
        <button type="submit" className="primary" disabled={busy || !key.trim()}>
          Sign in
        </button>
      </form>
    </main>
  );
}
