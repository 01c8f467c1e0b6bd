import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import type { Channel, CreateChannel, JobType } from '../../api/types';
import { Field, FormErrors } from '../../components/forms';
import { useAction } from '../../hooks/useAction';

type Kind = Channel['kind'];
type Release = Channel['release'];
type Mode = Channel['mode'];

/** What the operator typed for one job type, as text (durations like `8h`; empty: None). */
interface WebhookJobText {
  delay: string;
  emergency_job_period: string;
}
interface RecurringJobText {
  main_job_period: string;
  delay: string;
  jitter: string;
}

const EMPTY_WEBHOOK: WebhookJobText = { delay: '', emergency_job_period: '' };
const EMPTY_RECURRING: RecurringJobText = { main_job_period: '', delay: '', jitter: '' };

/** Empty text is None (null); anything else goes to the API as typed, for it to judge. */
function duration(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

function filled(fields: object): boolean {
  return Object.values(fields).some((v) => typeof v === 'string' && v.trim() !== '');
}

/** `Name: value` lines → a header map (a line without a colon is a name with an empty value). */
function parseHeaders(text: string): Record<string, string> | undefined {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  if (lines.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = (colon < 0 ? line : line.slice(0, colon)).trim();
    headers[name] = colon < 0 ? '' : line.slice(colon + 1).trim();
  }
  return headers;
}

/**
 * The channel form, shared by create (**Create channel**) and edit (**Save**): the channel's
 * facts, its connector, and one fieldset per job type (legend: the job type) holding the
 * settings of the chosen Mode. A job type is configured when any of its fields is filled.
 */
export function ChannelForm({
  jobTypes,
  channel,
  submitLabel,
  onSubmit,
}: {
  jobTypes: JobType[];
  channel?: Channel;
  submitLabel: 'Create channel' | 'Save';
  onSubmit(body: CreateChannel): Promise<void>;
}) {
  const [name, setName] = useState(channel?.name ?? '');
  const [kind, setKind] = useState<Kind>(channel?.kind ?? 'sales');
  const [release, setRelease] = useState<Release>(channel?.release ?? 'stable');
  const [mode, setMode] = useState<Mode>(channel?.mode ?? 'webhook');
  const [url, setUrl] = useState(channel?.connector.url ?? '');
  const [headers, setHeaders] = useState('');
  const [secretKey, setSecretKey] = useState('');
  const [webhookJobs, setWebhookJobs] = useState<Record<string, WebhookJobText>>(() =>
    Object.fromEntries(
      Object.entries(channel?.webhook_jobs ?? {}).map(([type, s]) => [
        type,
        { delay: s.delay ?? '', emergency_job_period: s.emergency_job_period ?? '' },
      ]),
    ),
  );
  const [recurringJobs, setRecurringJobs] = useState<Record<string, RecurringJobText>>(() =>
    Object.fromEntries(
      Object.entries(channel?.recurring_jobs ?? {}).map(([type, s]) => [
        type,
        { main_job_period: s.main_job_period ?? '', delay: s.delay ?? '', jitter: s.jitter ?? '' },
      ]),
    ),
  );
  const { busy, error, run } = useAction();

  // The catalogue's job types, then any the channel has that the catalogue does not list.
  const types = [
    ...jobTypes.map((j) => j.type),
    ...[...Object.keys(webhookJobs), ...Object.keys(recurringJobs)].filter(
      (t, i, all) => !jobTypes.some((j) => j.type === t) && all.indexOf(t) === i,
    ),
  ];
  const description = (type: string) => jobTypes.find((j) => j.type === type)?.description;

  const perJobFields =
    mode === 'webhook'
      ? types.flatMap((t) => [`webhook_jobs.${t}.delay`, `webhook_jobs.${t}.emergency_job_period`])
      : release === 'beta'
        ? types.flatMap((t) => [
            `recurring_jobs.${t}.main_job_period`,
            `recurring_jobs.${t}.delay`,
            `recurring_jobs.${t}.jitter`,
          ])
        : [];
  const claimed = [
    'name',
    'kind',
    'release',
    'mode',
    'connector.url',
    'connector.headers',
    'connector.secret_key',
    ...perJobFields,
  ];

  function body(): CreateChannel {
    const webhook: NonNullable<CreateChannel['webhook_jobs']> = {};
    for (const [type, job] of Object.entries(webhookJobs)) {
      if (filled(job))
        webhook[type] = {
          delay: duration(job.delay),
          emergency_job_period: duration(job.emergency_job_period),
        };
    }
    const recurring: NonNullable<CreateChannel['recurring_jobs']> = {};
    // Stable channels run the account's recurring jobs: they carry no per-channel ones.
    if (release === 'beta') {
      for (const [type, job] of Object.entries(recurringJobs)) {
        if (filled(job))
          recurring[type] = {
            main_job_period: duration(job.main_job_period),
            delay: duration(job.delay),
            jitter: duration(job.jitter),
          };
      }
    }
    const parsedHeaders = parseHeaders(headers);
    return {
      name,
      kind,
      release,
      mode,
      connector: {
        url: url.trim(),
        ...(parsedHeaders ? { headers: parsedHeaders } : {}),
        ...(secretKey !== '' ? { secret_key: secretKey } : {}),
      },
      webhook_jobs: webhook,
      recurring_jobs: recurring,
    };
  }

  function submit(e: FormEvent) {
    e.preventDefault();
    void run(async () => {
      await onSubmit(body());
      if (channel) {
        setHeaders('');
        setSecretKey('');
      }
    });
  }

  const setWebhook = (type: string, field: keyof WebhookJobText, value: string) =>
    setWebhookJobs((all) => ({ ...all, [type]: { ...(all[type] ?? EMPTY_WEBHOOK), [field]: value } }));
  const setRecurring = (type: string, field: keyof RecurringJobText, value: string) =>
    setRecurringJobs((all) => ({ ...all, [type]: { ...(all[type] ?? EMPTY_RECURRING), [field]: value } }));

  const durationHint = 'A duration such as 90s, 5m, 8h or 1d; empty: None.';

  return (
    <form onSubmit={submit} noValidate className="channel-form">
      <FormErrors error={error} claimed={claimed}>
        <Field label="Name" path="name">
          {(props) => <input {...props} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Kind" path="kind" hint="Sales: a marketplace or shop. Fulfillment: a carrier or 3PL.">
          {(props) => (
            <select {...props} value={kind} onChange={(e) => setKind(e.target.value as Kind)}>
              <option value="sales">sales</option>
              <option value="fulfillment">fulfillment</option>
            </select>
          )}
        </Field>
        <Field
          label="Release"
          path="release"
          hint="Stable channels run the account's recurring jobs; beta channels have their own schedule per job type."
        >
          {(props) => (
            <select {...props} value={release} onChange={(e) => setRelease(e.target.value as Release)}>
              <option value="stable">stable</option>
              <option value="beta">beta</option>
            </select>
          )}
        </Field>
        <Field
          label="Mode"
          path="mode"
          hint="Webhook: the channel pushes, a job runs after a Delay, with an emergency run as fallback. Recurring: Switchyard pulls on a schedule."
        >
          {(props) => (
            <select {...props} value={mode} onChange={(e) => setMode(e.target.value as Mode)}>
              <option value="webhook">webhook</option>
              <option value="recurring">recurring</option>
            </select>
          )}
        </Field>
        <Field label="Connector URL" path="connector.url" hint="Where job runs are POSTed.">
          {(props) => <input {...props} type="url" value={url} onChange={(e) => setUrl(e.target.value)} />}
        </Field>
        <Field
          label="Connector headers"
          path="connector.headers"
          hint={
            channel && channel.connector.header_names.length > 0
              ? `One "Name: value" per line. Set now: ${channel.connector.header_names.join(', ')}; empty keeps them.`
              : 'One "Name: value" per line, sent with every job run; optional.'
          }
        >
          {(props) => (
            <textarea {...props} rows={3} value={headers} onChange={(e) => setHeaders(e.target.value)} />
          )}
        </Field>
        <Field
          label="Connector secret key"
          path="connector.secret_key"
          hint={
            channel?.connector.has_secret_key
              ? 'A secret is set (never shown); empty keeps it, a new one replaces it.'
              : 'Optional: job runs are then signed like webhooks (Standard Webhooks).'
          }
        >
          {(props) => (
            <input
              {...props}
              type="password"
              autoComplete="off"
              value={secretKey}
              onChange={(e) => setSecretKey(e.target.value)}
            />
          )}
        </Field>

        <h2>Job settings ({mode} mode)</h2>
        {mode === 'recurring' && release === 'stable' ? (
          <p className="note">
            Stable channels in recurring mode follow the account's{' '}
            <Link to="/recurring-jobs">Recurring jobs</Link> (Period and Shift per job type): there is nothing
            to set per channel.
          </p>
        ) : (
          <>
            <p className="hint">
              A job type is configured when any of its fields is filled; leave all of them empty to leave it
              out.
              {mode === 'webhook'
                ? ' Inbound webhooks are accepted only for configured job types (Delay 0s runs at once).'
                : ' Delay runs the job that much earlier within each Main Job Period.'}
            </p>
            <div className="job-fieldsets">
              {types.map((type) =>
                mode === 'webhook' ? (
                  <fieldset key={type}>
                    <legend>{type}</legend>
                    {description(type) ? <p className="hint">{description(type)}</p> : null}
                    <Field label="Delay" path={`webhook_jobs.${type}.delay`} hint={durationHint}>
                      {(props) => (
                        <input
                          {...props}
                          value={webhookJobs[type]?.delay ?? ''}
                          onChange={(e) => setWebhook(type, 'delay', e.target.value)}
                        />
                      )}
                    </Field>
                    <Field
                      label="Emergency Job Period"
                      path={`webhook_jobs.${type}.emergency_job_period`}
                      hint="Runs the job anyway when no webhook job succeeded for this long; empty: never."
                    >
                      {(props) => (
                        <input
                          {...props}
                          value={webhookJobs[type]?.emergency_job_period ?? ''}
                          onChange={(e) => setWebhook(type, 'emergency_job_period', e.target.value)}
                        />
                      )}
                    </Field>
                  </fieldset>
                ) : (
                  <fieldset key={type}>
                    <legend>{type}</legend>
                    {description(type) ? <p className="hint">{description(type)}</p> : null}
                    <Field
                      label="Main Job Period"
                      path={`recurring_jobs.${type}.main_job_period`}
                      hint="How often the job runs; empty: it does not run."
                    >
                      {(props) => (
                        <input
                          {...props}
                          value={recurringJobs[type]?.main_job_period ?? ''}
                          onChange={(e) => setRecurring(type, 'main_job_period', e.target.value)}
                        />
                      )}
                    </Field>
                    <Field
                      label="Delay"
                      path={`recurring_jobs.${type}.delay`}
                      hint="How much earlier within the period the job runs (8h with 1h: 07:00, 15:00, 23:00 UTC)."
                    >
                      {(props) => (
                        <input
                          {...props}
                          value={recurringJobs[type]?.delay ?? ''}
                          onChange={(e) => setRecurring(type, 'delay', e.target.value)}
                        />
                      )}
                    </Field>
                    <Field
                      label="Jitter"
                      path={`recurring_jobs.${type}.jitter`}
                      hint="Random extra delay of up to this much; empty: none."
                    >
                      {(props) => (
                        <input
                          {...props}
                          value={recurringJobs[type]?.jitter ?? ''}
                          onChange={(e) => setRecurring(type, 'jitter', e.target.value)}
                        />
                      )}
                    </Field>
                  </fieldset>
                ),
              )}
            </div>
          </>
        )}
      </FormErrors>
      <div className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </div>
    </form>
  );
}
