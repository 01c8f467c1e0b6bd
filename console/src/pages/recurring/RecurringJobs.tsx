import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../api/session';
import type { JobType, Page, PutRecurringJob, RecurringJob } from '../../api/types';
import { Field, FormErrors } from '../../components/forms';
import { LoadError, Loading, Time } from '../../components/ui';
import { useAction } from '../../hooks/useAction';
import { useResource } from '../../hooks/useResource';
import { NextRunTimes } from '../channels/NextRunTimes';

type ShiftChoice = 'none' | 'minimal' | 'duration';

function shiftChoice(shift: string | null): ShiftChoice {
  if (shift === null) return 'none';
  return shift === 'minimal' ? 'minimal' : 'duration';
}

function duration(text: string): string | null {
  const t = text.trim();
  return t === '' ? null : t;
}

/** One account recurring job (stable channels): Enabled, Period, Shift, Jitter, and its next runs. */
function RecurringJobForm({
  jobType,
  description,
  initial,
}: {
  jobType: string;
  description?: string;
  initial: RecurringJob | undefined;
}) {
  const api = useApi();
  const [job, setJob] = useState(initial);
  const [enabled, setEnabled] = useState(initial?.enabled ?? false);
  const [period, setPeriod] = useState(initial?.period ?? '');
  const [choice, setChoice] = useState<ShiftChoice>(shiftChoice(initial?.shift ?? null));
  const [shiftDuration, setShiftDuration] = useState(
    initial?.shift && initial.shift !== 'minimal' ? initial.shift : '',
  );
  const [jitter, setJitter] = useState(initial?.jitter ?? '');
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState(false);
  const legendId = `recurring-${jobType.replace(/[^a-z0-9]/gi, '-')}`;

  function submit(e: FormEvent) {
    e.preventDefault();
    setSaved(false);
    const body: PutRecurringJob = {
      enabled,
      period: duration(period),
      shift: choice === 'none' ? null : choice === 'minimal' ? 'minimal' : shiftDuration.trim(),
      jitter: duration(jitter),
    };
    void run(async () => {
      setJob(await api.put<RecurringJob>(`/v1/recurring-jobs/${encodeURIComponent(jobType)}`, body));
      setSaved(true);
    });
  }

  return (
    <form onSubmit={submit} noValidate className="recurring-job">
      <fieldset aria-labelledby={legendId}>
        <legend id={legendId}>{jobType}</legend>
        {description ? <p className="hint">{description}</p> : null}
        <FormErrors error={error} claimed={['enabled', 'period', 'shift', 'jitter']}>
          <Field label="Enabled" path="enabled" hint="Unchecked: the schedule is paused.">
            {(props) => (
              <input
                {...props}
                type="checkbox"
                checked={enabled}
                onChange={(e) => setEnabled(e.target.checked)}
              />
            )}
          </Field>
          <Field
            label="Period"
            path="period"
            hint="How often, e.g. 1h or 1d; empty: None (the job does not run)."
          >
            {(props) => <input {...props} value={period} onChange={(e) => setPeriod(e.target.value)} />}
          </Field>
          <Field
            label="Shift"
            path={choice === 'duration' ? 'shift:choice' : 'shift'}
            hint="Runs that much after each period boundary (UTC): Minimal is 5 minutes."
          >
            {(props) => (
              <select {...props} value={choice} onChange={(e) => setChoice(e.target.value as ShiftChoice)}>
                <option value="none">None</option>
                <option value="minimal">Minimal</option>
                <option value="duration">Duration</option>
              </select>
            )}
          </Field>
          {choice === 'duration' ? (
            <Field label="Shift duration" path="shift" hint="Shorter than Period, e.g. 15m.">
              {(props) => (
                <input {...props} value={shiftDuration} onChange={(e) => setShiftDuration(e.target.value)} />
              )}
            </Field>
          ) : null}
          <Field label="Jitter" path="jitter" hint="Random extra delay of up to this much; empty: none.">
            {(props) => <input {...props} value={jitter} onChange={(e) => setJitter(e.target.value)} />}
          </Field>
        </FormErrors>
        <div className="actions">
          <button type="submit" className="primary" disabled={busy}>
            Save
          </button>
          {saved ? (
            <span role="status" className="ok">
              Saved.
            </span>
          ) : null}
        </div>
        <p className="label">Next run times (UTC)</p>
        {job && !job.enabled && job.period ? <p className="muted">Paused.</p> : null}
        <NextRunTimes times={job?.next_run_times ?? []} />
        {job?.schedule_id ? (
          <p className="hint">
            Temporal Schedule <code>{job.schedule_id}</code>
            {job.updated_at ? (
              <>
                , changed <Time value={job.updated_at} />
              </>
            ) : null}
          </p>
        ) : null}
      </fieldset>
    </form>
  );
}

/** Account ⇒ Recurring Jobs: the stable channels' schedules, one per job type. */
export function RecurringJobs() {
  const api = useApi();
  const data = useResource(
    () =>
      Promise.all([
        api.get<{ data: JobType[] }>('/v1/job-types'),
        api.get<Page<RecurringJob>>('/v1/recurring-jobs'),
      ]),
    [],
  );
  return (
    <>
      <h1>Recurring jobs</h1>
      <p className="hint">
        These schedules run for every <strong>stable</strong> channel of the account in recurring mode (beta
        channels set their own Main Job Period and Delay on the <Link to="/channels">channel</Link>). A job
        fires at every multiple of Period since the Unix epoch, plus Shift, in UTC: Period 1h with Shift
        Minimal runs at 00:05, 01:05, …
      </p>
      {data.error ? <LoadError error={data.error} retry={() => void data.reload()} /> : null}
      {data.loading && !data.data ? <Loading /> : null}
      {data.data ? (
        <div className="job-fieldsets">
          {[
            ...data.data[0].data,
            ...data.data[1].data
              .filter((r) => !data.data?.[0].data.some((t) => t.type === r.job_type))
              .map((r) => ({ type: r.job_type, description: '' })),
          ].map((t) => (
            <RecurringJobForm
              key={t.type}
              jobType={t.type}
              description={t.description}
              initial={data.data?.[1].data.find((r) => r.job_type === t.type)}
            />
          ))}
        </div>
      ) : null}
    </>
  );
}
