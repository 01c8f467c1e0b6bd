// Pure (no DOM): where "Open in Temporal UI" goes.

/** What /console/settings.json tells: where the Temporal Web UI is (src/api/console.ts). */
export interface ConsoleSettings {
  temporal_ui_url: string | null;
  temporal_ui_port: number | null;
  namespace: string;
}

/**
 * The Web UI's page for one workflow, or null when no UI is configured (or known yet). The
 * embedded UI is on the host the browser reached the console on (`here`), at its own port.
 */
export function temporalWorkflowUrl(
  settings: ConsoleSettings | null,
  workflowId: string,
  here: { protocol: string; hostname: string },
): string | null {
  if (!settings) return null;
  const base =
    settings.temporal_ui_url?.replace(/\/+$/, '') ??
    (settings.temporal_ui_port ? `${here.protocol}//${here.hostname}:${settings.temporal_ui_port}` : null);
  if (!base) return null;
  return `${base}/namespaces/${encodeURIComponent(settings.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
