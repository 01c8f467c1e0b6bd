import { useApi } from '../../api/session';
import { TemporalLink } from '../../api/settings';
import type { JobRun, Page } from '../../api/types';
import { Empty, LoadError, Loading, Pager, StatusBadge, Time } from '../../components/ui';
import { useCursorPages } from '../../hooks/useCursorPages';

/** A channel's job runs, newest first, refreshed every 2 s (live status without a reload). */
export function JobRuns({ channelId }: { channelId: string }) {
  const api = useApi();
  const pages = useCursorPages<JobRun>(
    (cursor) => api.get<Page<JobRun>>('/v1/job-runs', { channel_id: channelId, limit: 20, cursor }),
    channelId,
    2000,
  );
  return (
    <section className="panel" aria-labelledby="channel-job-runs">
      <h2 id="channel-job-runs">Job runs</h2>
      {pages.error ? <LoadError error={pages.error} retry={() => void pages.reload()} /> : null}
      {pages.loading && !pages.data ? <Loading /> : null}
      {pages.data && pages.data.data.length === 0 && pages.pageNumber === 1 ? (
        <Empty title="No job runs yet">
          <p>Runs appear here as they start: use Run now above, or wait for the schedule or a webhook.</p>
        </Empty>
      ) : null}
      {pages.data && pages.data.data.length > 0 ? (
        <div className="table-wrap">
          <table aria-labelledby="channel-job-runs">
            <thead>
              <tr>
                <th scope="col">Job type</th>
                <th scope="col">Trigger</th>
                <th scope="col">Status</th>
                <th scope="col">Scheduled for</th>
                <th scope="col">Started</th>
                <th scope="col">Finished</th>
                <th scope="col">Attempts</th>
                <th scope="col">Error</th>
                <th scope="col">Workflow</th>
              </tr>
            </thead>
            <tbody>
              {pages.data.data.map((r) => (
                <tr key={r.id} data-job-run={r.id}>
                  <td>{r.job_type}</td>
                  <td>{r.trigger}</td>
                  <td>
                    <StatusBadge status={r.status} />
                  </td>
                  <td>
                    <Time value={r.scheduled_for} />
                  </td>
                  <td>
                    <Time value={r.started_at} />
                  </td>
                  <td>
                    <Time value={r.finished_at} />
                  </td>
                  <td>
                    {r.attempts}
                    {r.status_code !== null ? <span className="muted"> (HTTP {r.status_code})</span> : null}
                  </td>
                  <td>{r.error ?? '—'}</td>
                  <td>{r.workflow_id ? <TemporalLink workflowId={r.workflow_id} /> : '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      <Pager {...pages} />
    </section>
  );
}
