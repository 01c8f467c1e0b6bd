import { Link, useNavigate } from 'react-router';
import { useApi } from '../../api/session';
import type { CreatedChannel, JobType } from '../../api/types';
import { LoadError, Loading } from '../../components/ui';
import { useResource } from '../../hooks/useResource';
import { ChannelForm } from './ChannelForm';

/** What the channel page shows once after a create: the inbound token (router state, dropped at once). */
export interface CreatedState {
  created: CreatedChannel;
}

export function NewChannel() {
  const api = useApi();
  const navigate = useNavigate();
  const jobTypes = useResource(() => api.get<{ data: JobType[] }>('/v1/job-types'), []);
  return (
    <>
      <p>
        <Link to="/channels">← Channels</Link>
      </p>
      <h1>New channel</h1>
      {jobTypes.error ? <LoadError error={jobTypes.error} retry={() => void jobTypes.reload()} /> : null}
      {jobTypes.loading ? <Loading /> : null}
      {jobTypes.data ? (
        <ChannelForm
          jobTypes={jobTypes.data.data}
          submitLabel="Create channel"
          onSubmit={async (body) => {
            const created = await api.post<CreatedChannel>('/v1/channels', body);
            const state: CreatedState = { created };
            await navigate(`/channels/${encodeURIComponent(created.id)}`, { state });
          }}
        />
      ) : null}
    </>
  );
}
