import { Link, useNavigate, useSearchParams } from 'react-router';
import { WebhookForm } from './WebhookForm';

export function NewWebhook() {
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const scope = params.get('scope');
  if (scope !== 'regular' && scope !== 'automation') {
    return (
      <section>
        <h1>New webhook</h1>
        <p>
          Choose a kind: <Link to="/webhooks/new?scope=regular">regular</Link> (events of one goods owner) or{' '}
          <Link to="/webhooks/new?scope=automation">automation</Link> (events of every goods owner).
        </p>
      </section>
    );
  }
  return (
    <section>
      <p>
        <Link to="/webhooks">← Webhooks</Link>
      </p>
      <h1>{scope === 'regular' ? 'New regular webhook' : 'New automation webhook'}</h1>
      <p className="muted">
        {scope === 'regular'
          ? 'It fires only for the events of the goods owner you name.'
          : 'It fires for the events of every goods owner of the account.'}
      </p>
      <WebhookForm
        key={scope}
        scope={scope}
        onSaved={(w) => void navigate(`/webhooks/${encodeURIComponent(w.id)}`, { state: { created: true } })}
      />
    </section>
  );
}
