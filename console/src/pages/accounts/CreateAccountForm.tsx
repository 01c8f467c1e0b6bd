import { useState, type FormEvent } from 'react';
import { useApi } from '../../api/session';
import type { CreatedAccount } from '../../api/types';
import { Field, FormErrors } from '../../components/forms';
import { useAction } from '../../hooks/useAction';

/** **Name** + **Save** → `POST /v1/accounts`; the API judges the name (an empty one: error at Name). */
export function CreateAccountForm({ onCreated }: { onCreated(account: CreatedAccount): void }) {
  const api = useApi();
  const [name, setName] = useState('');
  const { busy, error, run } = useAction();

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      const account = await api.post<CreatedAccount>('/v1/accounts', { name });
      setName('');
      onCreated(account);
    });
  }

  return (
    <form onSubmit={submit} noValidate>
      <FormErrors error={error} claimed={['name']}>
        <Field label="Name" path="name" hint="Who the account is for, e.g. the customer or the integration.">
          {(props) => (
            <input
              {...props}
              type="text"
              autoComplete="off"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
      </FormErrors>
      <button type="submit" className="primary" disabled={busy}>
        Save
      </button>
    </form>
  );
}
