import { useState } from 'react';
import { Link } from 'react-router';
import { useApi } from '../../api/session';
import { useAction } from '../../hooks/useAction';
import type { Channel, ChannelJob } from '../../api/types';
import { Empty, LoadError, Loading, Time } from '../../components/ui';
import type { Resource } from '../../hooks/useResource';
import { NextRunTimes } from './NextRunTimes';

function settingsText(job: ChannelJob): string {
  const none = (v: string | null | undefined) => v ?? 'None';
  const s = job.settings;
  if ('emergency_job_period' in s)
    return `Delay ${none(s.delay)}, Emergency Job Period ${none(s.emergency_job_period)}`;
  if ('main_job_period' in s)
    return `Main Job Period ${none(s.main_job_period)}, Delay ${none(s.delay)}${s.jitter ? `, Jitter ${s.jitter}` : ''}`;
  return `${s.enabled ? 'Enabled' : 'Paused'}, Period ${none(s.period)}, Shift ${none(s.shift)}${s.jitter ? `, Jitter ${s.jitter}` : ''}`;
}

function JobCard({ channelId, job }: { channelId: string; job: ChannelJob }) {
  const api = useApi();
  const { busy, error, run } = useAction();
  const [started, setStarted] = useState<string | null>(null);
  const headingId = `job-${job.type.replace(/[^a-z0-9]/gi, '-')}`;
  function runNow() {
    void run(async () => {
      const r = await api.post<{ job_run_id: string }>(
        `/v1/channels/${encodeURIComponent(channelId)}/jobs/${encodeURIComponent(job.type)}/run`,
      );
      setStarted(r.job_run_id);
    });
  }
  return (
    <section className="job-card" aria-labelledby={headingId}>
      <h3 id={headingId}>{job.type}</h3>
      <p>
        {job.mode} mode
        {job.source === 'account' ? (
          <>
            {' '}
            — from the account's <Link to="/recurring-jobs">Recurring jobs</Link>
          </>
        ) : null}
        : {settingsText(job)}
      </p>
      {job.mode === 'recurring' ? (
        <>
          <p className="label">Next run times (UTC)</p>
          <NextRunTimes times={job.next_run_times} />
          {job.schedule_id ? (
            <p className="hint">
              Temporal Schedule <code>{job.schedule_id}</code>
            </p>
          ) : null}
        </>
      ) : (
        <p>
          Emergency run due:{' '}
          {job.emergency_due_at ? (
            <Time value={job.emergency_due_at} />
          ) : (
            <span className="muted">none (no Emergency Job Period)</span>
          )}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={runNow} disabled={busy}>
          Run now
        </button>
      </div>
      {started ? (
        <p role="status">
          Started job run <code>{started}</code>; it is listed under Job runs.
        </p>
      ) : null}
      {error ? <LoadError error={error} /> : null}
    </section>
  );
}

/** The jobs of the channel's current mode, with their next runs, and **Run now**. */
export function ChannelJobs({
  channelId,
  mode,
  jobs,
}: {
  channelId: string;
  mode: Channel['mode'];
  jobs: Resource<{ data: ChannelJob[] }>;
}) {
  return (
    <section className="panel" aria-labelledby="channel-jobs">
      <h2 id="channel-jobs">Jobs</h2>
      {jobs.error ? <LoadError error={jobs.error} retry={() => void jobs.reload()} /> : null}
      {!jobs.data && !jobs.error ? <Loading /> : null}
      {jobs.data && jobs.data.data.length === 0 ? (
        <Empty title={`No ${mode} jobs`}>
          <p>
            {mode === 'webhook'
              ? 'Fill in a job type’s Delay or Emergency Job Period under Settings below and Save.'
              : 'Set a Main Job Period for a job type under Settings below (beta), or the account’s Recurring jobs (stable).'}
          </p>
        </Empty>
      ) : null}
      {jobs.data && jobs.data.data.length > 0 ? (
        <div className="job-cards">
          {jobs.data.data.map((job) => (
            <JobCard key={job.type} channelId={channelId} job={job} />
          ))}
        </div>
      ) : null}
    </section>
  );
}
