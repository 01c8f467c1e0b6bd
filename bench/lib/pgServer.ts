// The local PostgreSQL server, stopped and started by the pg-restart drill. The server is shared
// (tests of other worktrees use it), so: only a server on this machine, reached over loopback and
// managed by Debian's pg_ctlcluster; down for a few seconds only; and started again by a clean-up
// whatever happens to the drill.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { onCleanup } from './procs';

export interface LocalCluster {
  version: string;
  name: string;
}

/** The Debian cluster behind `pgUrl`, or why the drill cannot restart it. */
export function localCluster(pgUrl: string): LocalCluster | { reason: string } {
  const host = new URL(pgUrl).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) {
    return { reason: `${host} is not this machine's loopback` };
  }
  if (spawnSync('pg_ctlcluster', ['--help'], { stdio: 'ignore' }).error) {
    return { reason: 'pg_ctlcluster is not installed' };
  }
  const versions = existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql') : [];
  if (versions.length !== 1)
    return { reason: `expected one version in /etc/postgresql, found ${versions.length}` };
  return { version: versions[0]!, name: 'main' };
}

function ctl(c: LocalCluster, action: 'start' | 'stop'): void {
  // --skip-systemctl-redirect: no systemd here; `-m fast` ends open sessions at once, as a crash
  // or a failover would, instead of waiting for them.
  const extra = action === 'stop' ? ['-m', 'fast'] : [];
  const r = spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', c.version, c.name, action, ...extra], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  if (r.status !== 0) {
    throw new Error(
      `pg_ctlcluster ${c.version} ${c.name} ${action} failed: ${r.stderr || r.stdout || r.error}`,
    );
  }
}

export function pgIsReady(pgUrl: string): boolean {
  const u = new URL(pgUrl);
  return (
    spawnSync('pg_isready', ['-q', '-h', u.hostname, '-p', u.port || '5432', '-t', '1'], { stdio: 'ignore' })
      .status === 0
  );
}

/** Stops the cluster; the returned function starts it again (also run on any exit of the drill). */
export function stopCluster(c: LocalCluster): () => void {
  let started = false;
  const start = () => {
    if (started) return;
    started = true;
    ctl(c, 'start');
  };
  const unregister = onCleanup(async () => start());
  ctl(c, 'stop');
  return () => {
    start();
    unregister();
  };
}
