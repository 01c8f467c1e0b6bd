import { useEffect, useState } from 'react';
import { Link, useLocation, useNavigate, useParams } from 'react-router';
import { ApiError } from '../../api/client';
import { useApi } from '../../api/session';
import type { Channel, ChannelJob, JobType, PatchChannel } from '../../api/types';
import { ConfirmButton, Empty, LoadError, Loading, ShownOnce, Time } from '../../components/ui';
import { useResource } from '../../hooks/useResource';
import { ChannelForm } from './ChannelForm';
import { ChannelJobs } from './ChannelJobs';
import { JobRuns } from './JobRuns';
import type { CreatedState } from './NewChannel';

function inboundUrl(channelId: string, jobType: string): string {
  return `${location.origin}/v1/inbound/${encodeURIComponent(channelId)}/${jobType}`;
}

/** The inbound URLs of a channel: one per webhook job type, or the pattern when none is set. */
function InboundUrls({ channel }: { channel: Channel }) {
  const types = Object.keys(channel.webhook_jobs);
  if (types.length === 0)
    return (
      <code>
        {location.origin}/v1/inbound/{channel.id}/&lt;job_type&gt;
      </code>
    );
  return (
    <ul className="plain">
      {types.map((t) => (
        <li key={t}>
          <code>{inboundUrl(channel.id, t)}</code>
        </li>
      ))}
    </ul>
  );
}

export function ChannelPage() {
  const { id = '' } = useParams();
  const api = useApi();
  const navigate = useNavigate();
  const location = useLocation();
  // The inbound token of a channel just created: shown once, then gone from the history entry.
  const [created] = useState(() => (location.state as CreatedState | null)?.created ?? null);
  const [rotatedToken, setRotatedToken] = useState<{ token: string; oldUntil: string | null } | null>(null);
  const [saved, setSaved] = useState(false);
  useEffect(() => {
    if (location.state) void navigate(location.pathname, { replace: true, state: null });
  }, [location.state, location.pathname, navigate]);

  const path = `/v1/channels/${encodeURIComponent(id)}`;
  const channel = useResource(() => api.get<Channel>(path), [path]);
  const jobTypes = useResource(() => api.get<{ data: JobType[] }>('/v1/job-types'), []);
  const jobs = useResource(() => api.get<{ data: ChannelJob[] }>(`${path}/jobs`), [path], 5000);

  if (channel.error) {
    if (channel.error instanceof ApiError && channel.error.status === 404)
      return (
        <Empty title="No such channel">
          <p>
            It may have been deleted. See <Link to="/channels">Channels</Link>.
          </p>
        </Empty>
      );
    return <LoadError error={channel.error} retry={() => void channel.reload()} />;
  }
  if (!channel.data) return <Loading />;
  const c = channel.data;

  return (
    <>
      <p>
        <Link to="/channels">← Channels</Link>
      </p>
      <h1>{c.name}</h1>
      {created && created.id === c.id ? (
        <div className="panel">
          <h2>Channel created</h2>
          <p>
            The channel calls Switchyard at its inbound URL with this token as{' '}
            <code>Authorization: Bearer &lt;inbound token&gt;</code> (webhook mode).
          </p>
          <ShownOnce label="Inbound token" value={created.inbound_token} />
          <p>Inbound URL:</p>
          <InboundUrls channel={c} />
        </div>
      ) : null}

      <section className="panel" aria-labelledby="channel-facts">
        <h2 id="channel-facts">Channel</h2>
        <dl className="facts">
          <dt>Id</dt>
          <dd>
            <code>{c.id}</code>
          </dd>
          <dt>Kind</dt>
          <dd>{c.kind}</dd>
          <dt>Release</dt>
          <dd>{c.release}</dd>
          <dt>Mode</dt>
          <dd>{c.mode}</dd>
          <dt>Connector URL</dt>
          <dd>
            <code>{c.connector.url}</code>
          </dd>
          <dt>Connector headers</dt>
          <dd>{c.connector.header_names.length ? c.connector.header_names.join(', ') : 'none'}</dd>
          <dt>Connector secret</dt>
          <dd>{c.connector.has_secret_key ? 'set (job runs are signed)' : 'none'}</dd>
          <dt>Inbound URL</dt>
          <dd>
            <InboundUrls channel={c} />
          </dd>
          {c.old_inbound_token_expires_at ? (
            <>
              <dt>Old inbound token accepted until</dt>
              <dd>
                <Time value={c.old_inbound_token_expires_at} />
              </dd>
            </>
          ) : null}
          <dt>Created</dt>
          <dd>
            <Time value={c.created_at} />
          </dd>
          <dt>Updated</dt>
          <dd>
            <Time value={c.updated_at} />
          </dd>
        </dl>
        <div className="actions">
          <ConfirmButton
            label="Rotate inbound token"
            title="Rotate the inbound token?"
            confirmLabel="Rotate"
            className=""
            onConfirm={async () => {
              const r = await api.post<{ inbound_token: string; old_token_expires_at: string | null }>(
                `${path}/rotate-inbound-token`,
                {},
              );
              setRotatedToken({ token: r.inbound_token, oldUntil: r.old_token_expires_at });
              await channel.reload();
            }}
          >
            <p>A new token is made and shown once. The current one keeps working for 24 hours.</p>
          </ConfirmButton>
          <ConfirmButton
            label="Delete"
            title={`Delete channel ${c.name}?`}
            confirmLabel="Delete channel"
            onConfirm={async () => {
              await api.del(path);
              await navigate('/channels');
            }}
          >
            <p>Its schedules and emergency watchdogs are removed, and inbound webhooks are refused.</p>
          </ConfirmButton>
        </div>
        {rotatedToken ? (
          <>
            <ShownOnce label="New inbound token" value={rotatedToken.token} />
            {rotatedToken.oldUntil ? (
              <p className="hint">
                The old token is accepted until <Time value={rotatedToken.oldUntil} />.
              </p>
            ) : null}
          </>
        ) : null}
      </section>

      <ChannelJobs channelId={c.id} jobs={jobs} mode={c.mode} />

      <JobRuns channelId={c.id} />

      <section className="panel" aria-labelledby="channel-edit">
        <h2 id="channel-edit">Settings</h2>
        {saved ? (
          <p role="status" className="ok">
            Saved. Schedules and watchdogs follow at once.
          </p>
        ) : null}
        {jobTypes.error ? <LoadError error={jobTypes.error} retry={() => void jobTypes.reload()} /> : null}
        {jobTypes.data ? (
          <ChannelForm
            key={c.updated_at}
            jobTypes={jobTypes.data.data}
            channel={c}
            submitLabel="Save"
            onSubmit={async (body) => {
              setSaved(false);
              const patch: PatchChannel = body;
              await api.patch<Channel>(path, patch);
              setSaved(true);
              await Promise.all([channel.reload(), jobs.reload()]);
            }}
          />
        ) : (
          <Loading />
        )}
      </section>
    </>
  );
}
