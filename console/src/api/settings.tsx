import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';

/** What /console/settings.json tells: where the Temporal Web UI is (src/api/console.ts). */
export interface ConsoleSettings {
  temporal_ui_url: string | null;
  temporal_ui_port: number | null;
  namespace: string;
}

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

/** The Web UI's page for one workflow, or null when no UI is configured (or known yet). */
export function temporalWorkflowUrl(settings: ConsoleSettings | null, workflowId: string): string | null {
  if (!settings) return null;
  const base =
    settings.temporal_ui_url?.replace(/\/+$/, '') ??
    (settings.temporal_ui_port
      ? `${location.protocol}//${location.hostname}:${settings.temporal_ui_port}`
      : null);
  if (!base) return null;
  return `${base}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}

/** **Open in Temporal UI** for a delivery's or a job's workflow, in a new tab. */
export function TemporalLink({ workflowId }: { workflowId: string }) {
  const settings = useContext(SettingsContext);
  const href = temporalWorkflowUrl(settings, workflowId);
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
