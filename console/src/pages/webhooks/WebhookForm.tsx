import { useState, type FormEvent, type ReactNode } from 'react';
import { useApi } from '../../api/session';
import type { EventType, Webhook } from '../../api/types';
import { Field, FormErrors, useFieldErrors } from '../../components/forms';
import { useResource } from '../../hooks/useResource';
import { useAction } from '../../hooks/useAction';
import {
  CLAIMED_PATHS,
  createBody,
  emptyForm,
  formFrom,
  headerRow,
  STRATEGY_FIELDS,
  updateBody,
  type AuthType,
  type FormState,
  type HeaderRow,
  type RetryPolicy,
  type Scope,
  type Strategy,
} from './formState';

const DURATION_HINT = 'e.g. 90s, 5m, 8h, 1d; empty: none';

/** `*` and every dot-boundary prefix pattern of the catalogue (`package.*`, `package.status.*`). */
function patternsOf(types: EventType[]): string[] {
  const patterns = new Set<string>();
  for (const { type } of types) {
    const parts = type.split('.');
    for (let i = 1; i < parts.length; i++) patterns.add(`${parts.slice(0, i).join('.')}.*`);
  }
  return ['*', ...[...patterns].sort()];
}

function patternHint(pattern: string): string {
  if (pattern === '*') return 'Every event type except webhook.* and the operational switchyard.* events.';
  return `Every event type starting with ${pattern.slice(0, -1)}`;
}

function EventTypeSelect({
  value,
  onChange,
  props,
  list,
  loading,
  failed,
}: {
  value: string;
  onChange(v: string): void;
  props: { id: string; 'aria-describedby'?: string; 'aria-invalid'?: boolean };
  list: EventType[];
  loading: boolean;
  failed: boolean;
}) {
  const groups = [...new Set(list.map((t) => t.group))];
  const patterns = patternsOf(list);
  const known = value === '' || list.some((t) => t.type === value) || patterns.includes(value);
  return (
    <select {...props} value={value} onChange={(e) => onChange(e.target.value)}>
      <option value="">
        {loading
          ? 'Loading event types…'
          : failed
            ? 'The event types could not be loaded'
            : 'Choose an event type'}
      </option>
      {!known ? <option value={value}>{value}</option> : null}
      {groups.map((group) => (
        <optgroup key={group} label={group}>
          {list
            .filter((t) => t.group === group)
            .map((t) => (
              <option key={t.type} value={t.type}>
                {t.type}
              </option>
            ))}
        </optgroup>
      ))}
      {list.length ? (
        <optgroup label="Patterns">
          {patterns.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </optgroup>
      ) : null}
    </select>
  );
}

function eventTypeHint(value: string, list: EventType[]): ReactNode {
  if (!value) return 'A catalogue event type, a group pattern such as package.*, or * for every type.';
  if (value === '*' || value.endsWith('.*')) return patternHint(value);
  return list.find((t) => t.type === value)?.description ?? null;
}

/** Name/value rows; on edit the API's values are "***", which the API reads as "keep the stored value". */
function HeadersEditor({
  rows,
  masked,
  onChange,
}: {
  rows: HeaderRow[];
  masked: boolean;
  onChange(rows: HeaderRow[]): void;
}) {
  const errors = useFieldErrors('additional_headers');
  const errorId = 'webhook-headers-error';
  const invalid = errors.length ? { 'aria-invalid': true, 'aria-describedby': errorId } : {};
  const set = (key: number, patch: Partial<HeaderRow>) =>
    onChange(rows.map((r) => (r.key === key ? { ...r, ...patch } : r)));
  return (
    <fieldset className={errors.length ? 'webhook-headers field-invalid' : 'webhook-headers'}>
      <legend>Headers</legend>
      {rows.length === 0 ? <p className="muted">No additional headers.</p> : null}
      {rows.map((row, i) => (
        <div className="header-row" key={row.key}>
          <input
            aria-label={`Header ${i + 1} name`}
            placeholder="Name"
            value={row.name}
            onChange={(e) => set(row.key, { name: e.target.value })}
            {...invalid}
          />
          <input
            aria-label={`Header ${i + 1} value`}
            placeholder="Value"
            value={row.value}
            onChange={(e) => set(row.key, { value: e.target.value })}
            {...invalid}
          />
          <button type="button" onClick={() => onChange(rows.filter((r) => r.key !== row.key))}>
            Remove header {i + 1}
          </button>
        </div>
      ))}
      <button type="button" onClick={() => onChange([...rows, headerRow()])}>
        Add header
      </button>
      {masked ? (
        <small className="hint">
          Stored values are shown as *** and kept as they are; type a new value to replace one.
        </small>
      ) : null}
      {errors.length ? (
        <p id={errorId} className="field-error">
          {errors.join('; ')}
        </p>
      ) : null}
    </fieldset>
  );
}

/**
 * The webhook form, for create (`webhook` absent: POST with `scope`) and edit (PATCH of what the
 * API accepts). Every value is sent as typed; the API's errors appear at their fields.
 */
export function WebhookForm({
  scope,
  webhook,
  onSaved,
  onSubmit,
}: {
  scope: Scope;
  webhook?: Webhook;
  onSaved(w: Webhook): void;
  /** Told when Save is pressed (before the answer). */
  onSubmit?(): void;
}) {
  const api = useApi();
  const [s, setState] = useState<FormState>(() => (webhook ? formFrom(webhook) : emptyForm()));
  const { busy, error, run } = useAction();
  const set = (patch: Partial<FormState>) => setState((prev) => ({ ...prev, ...patch }));
  const types = useResource(() => api.get<{ data: EventType[] }>('/v1/event-types'), []);
  const typeList = types.data?.data ?? [];

  function submit(e: FormEvent) {
    e.preventDefault();
    onSubmit?.();
    void run(async () => {
      const saved = webhook
        ? await api.patch<Webhook>(`/v1/webhooks/${encodeURIComponent(webhook.id)}`, updateBody(s, webhook))
        : await api.post<Webhook>('/v1/webhooks', createBody(s, scope));
      if (webhook) set({ secretKey: '', clearSecret: false, password: '', token: '' });
      onSaved(saved);
    });
  }

  const text = (key: keyof FormState) => ({
    value: s[key] as string,
    onChange: (e: { target: { value: string } }) => set({ [key]: e.target.value } as Partial<FormState>),
  });

  return (
    <form className="webhook-form" onSubmit={submit} noValidate>
      <FormErrors error={error} claimed={CLAIMED_PATHS}>
        <fieldset>
          <legend>Subscription</legend>
          <Field label="Name" path="name" hint="A label for operators; optional.">
            {(props) => <input {...props} {...text('name')} />}
          </Field>
          <Field label="Event type" path="event_type" hint={eventTypeHint(s.eventType, typeList)}>
            {(props) => (
              <EventTypeSelect
                props={props}
                value={s.eventType}
                onChange={(v) => set({ eventType: v })}
                list={typeList}
                loading={types.loading}
                failed={Boolean(types.error)}
              />
            )}
          </Field>
          <Field label="Target URL" path="target_url" hint="http:// or https://; deliveries are POSTed here.">
            {(props) => <input {...props} type="url" inputMode="url" {...text('targetUrl')} />}
          </Field>
          {scope === 'regular' ? (
            <Field
              label="Goods owner"
              path="goods_owner_id"
              hint="Required: a regular webhook fires only for this goods owner's events."
            >
              {(props) => <input {...props} {...text('goodsOwner')} />}
            </Field>
          ) : (
            <p className="muted">Automation webhook: it fires for every goods owner of the account.</p>
          )}
        </fieldset>

        <fieldset>
          <legend>Retries and timing</legend>
          <Field
            label="Retry policy"
            path="retry_policy"
            hint="None: one attempt. One day: after 1m, 5m, 15m, 30m, then every 2h for 24h. Countdown: your strategy."
          >
            {(props) => (
              <select
                {...props}
                value={s.retryPolicy}
                onChange={(e) => set({ retryPolicy: e.target.value as RetryPolicy })}
              >
                <option value="none">None</option>
                <option value="one_day">One day</option>
                <option value="countdown">Countdown</option>
              </select>
            )}
          </Field>
          {s.retryPolicy === 'countdown' ? (
            <div className="countdown">
              <Field label="Countdown strategy" path="retry_countdown_config.choice">
                {(props) => (
                  <select
                    {...props}
                    value={s.strategy}
                    onChange={(e) => set({ strategy: e.target.value as Strategy })}
                  >
                    <option value="fixed">Fixed</option>
                    <option value="linear">Linear</option>
                    <option value="exponential">Exponential</option>
                    <option value="random">Random</option>
                  </select>
                )}
              </Field>
              {STRATEGY_FIELDS[s.strategy].map(({ kwarg, label }) => (
                <Field
                  key={`${s.strategy}-${kwarg}`}
                  label={label}
                  path={`retry_countdown_config.kwargs.${kwarg}`}
                  hint={kwarg === 'factor' ? 'A whole number; empty: 1' : 'Seconds, a whole number'}
                >
                  {(props) => (
                    <input
                      {...props}
                      inputMode="numeric"
                      value={s.kwargs[kwarg] ?? ''}
                      onChange={(e) => set({ kwargs: { ...s.kwargs, [kwarg]: e.target.value } })}
                    />
                  )}
                </Field>
              ))}
              <Field label="Max attempts" path="max_attempts" hint="First attempt included, 1–50; empty: 11">
                {(props) => <input {...props} inputMode="numeric" {...text('maxAttempts')} />}
              </Field>
            </div>
          ) : null}
          <Field label="Delay" path="delay" hint={DURATION_HINT}>
            {(props) => <input {...props} {...text('delay')} />}
          </Field>
          <Field label="Timeout" path="timeout" hint="Per attempt, 1s to 60s, e.g. 10s; empty: 10s">
            {(props) => <input {...props} {...text('timeout')} />}
          </Field>
        </fieldset>

        <fieldset>
          <legend>Request</legend>
          <HeadersEditor
            rows={s.headers}
            masked={Boolean(webhook?.additional_headers)}
            onChange={(headers) => set({ headers })}
          />
          <Field
            label="Auth"
            path="auth.type"
            hint={
              webhook?.auth
                ? 'Credentials are stored; leave the password or token empty to keep them.'
                : 'Sent as the Authorization header.'
            }
          >
            {(props) => (
              <select
                {...props}
                value={s.authType}
                onChange={(e) => set({ authType: e.target.value as AuthType })}
              >
                <option value="none">None</option>
                <option value="basic">Basic</option>
                <option value="bearer">Bearer</option>
              </select>
            )}
          </Field>
          {s.authType === 'basic' ? (
            <>
              <Field label="Username" path="auth.username">
                {(props) => <input {...props} autoComplete="off" {...text('username')} />}
              </Field>
              <Field label="Password" path="auth.password">
                {(props) => (
                  <input {...props} type="password" autoComplete="new-password" {...text('password')} />
                )}
              </Field>
            </>
          ) : null}
          {s.authType === 'bearer' ? (
            <Field label="Token" path="auth.token">
              {(props) => <input {...props} type="password" autoComplete="new-password" {...text('token')} />}
            </Field>
          ) : null}
          <Field
            label="Secret key"
            path="secret_key"
            hint={
              webhook?.has_secret_key
                ? 'A secret is set. Leave empty to keep it; type a new one to replace it.'
                : 'Signs every request (Standard Webhooks), e.g. whsec_…; empty: unsigned.'
            }
          >
            {(props) => (
              <input
                {...props}
                type="password"
                autoComplete="new-password"
                disabled={s.clearSecret}
                {...text('secretKey')}
              />
            )}
          </Field>
          {webhook?.has_secret_key ? (
            <label className="check">
              <input
                type="checkbox"
                checked={s.clearSecret}
                onChange={(e) => set({ clearSecret: e.target.checked, secretKey: '' })}
              />
              Remove the secret key (requests are no longer signed)
            </label>
          ) : null}
        </fieldset>

        <fieldset>
          <legend>Notifications and controls</legend>
          <Field
            label="Email"
            path="notify_email"
            hint="Told when a delivery fails for good and when the webhook is disabled; empty: nobody."
          >
            {(props) => <input {...props} type="email" {...text('email')} />}
          </Field>
          <Field label="Enabled" path="enabled" hint="A disabled webhook receives nothing new.">
            {(props) => (
              <input
                {...props}
                type="checkbox"
                checked={s.enabled}
                onChange={(e) => set({ enabled: e.target.checked })}
              />
            )}
          </Field>
          <Field
            label="Ordering"
            path="ordering"
            hint="Per key: events sharing an ordering_key are delivered one at a time, in order."
          >
            {(props) => (
              <select
                {...props}
                value={s.ordering}
                onChange={(e) => set({ ordering: e.target.value as FormState['ordering'] })}
              >
                <option value="none">None</option>
                <option value="per_key">Per key</option>
              </select>
            )}
          </Field>
          <div className="rate-limit">
            <Field
              label="Rate limit max"
              path="rate_limit.max"
              hint="Attempts per period, 1–10000; both empty: no limit"
            >
              {(props) => <input {...props} inputMode="numeric" {...text('rateMax')} />}
            </Field>
            <Field label="Rate limit per" path="rate_limit.per" hint="1s to 1h, e.g. 1s, 1m">
              {(props) => <input {...props} {...text('ratePer')} />}
            </Field>
          </div>
          <Field
            label="Filter"
            path="filter"
            hint={'JSON, e.g. {"payload.status": {"$in": ["picked", "packed"]}}; empty: every event'}
          >
            {(props) => <textarea {...props} spellCheck={false} {...text('filter')} />}
          </Field>
        </fieldset>
      </FormErrors>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          Save
        </button>
      </div>
    </form>
  );
}
