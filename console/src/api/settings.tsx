import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { temporalWorkflowUrl, type ConsoleSettings } from '../lib/temporalUrl';

export { temporalWorkflowUrl, type ConsoleSettings };

const SettingsContext = createContext<ConsoleSettings | null>(null);

export function SettingsProvider({ children }: { children: ReactNode }) {
  const [settings, setSettings] = useState<ConsoleSettings | null>(null);
  useEffect(() => {
    fetch('/console/settings.json')
      .then((res) => (res.ok ? (res.json() as Promise<ConsoleSettings>) : null))
      .then(setSettings, () => setSettings(null));
  }, []);
  return <SettingsContext.Provider value={settings}>{children}</SettingsContext.Provider>;
}

/** **Open in Temporal UI** for a delivery's or a job's workflow, in a new tab. */
export function TemporalLink({ workflowId }: { workflowId: string }) {
  const settings = useContext(SettingsContext);
  const href = temporalWorkflowUrl(settings, workflowId, location);
  if (!href) {
    return (
      <span className="muted">
        Set <code>TEMPORAL_UI_URL</code> to link to the Temporal Web UI (workflow <code>{workflowId}</code>).
      </span>
    );
  }
  return (
    <a href={href} target="_blank" rel="noreferrer">
      Open in Temporal UI
    </a>
  );
}
