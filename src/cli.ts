import { ConfigError, loadConfig } from './config';
import { StartupError, start, stopOnSignals, type Roles, type Running } from './runtime';

function banner(r: Running): string {
  const lines = ['', 'Switchyard is running.'];
  if (r.apiUrl) {
    lines.push(`  API          ${r.apiUrl}`);
    lines.push(`  API docs     ${r.apiUrl}/docs`);
    lines.push(`  Console      ${r.apiUrl}/console (sign in with an API key)`);
  }
  if (r.uiUrl) lines.push(`  Temporal UI  ${r.uiUrl}`);
  lines.push(`  Temporal     ${r.temporalAddress} (namespace ${r.config.TEMPORAL_NAMESPACE})`);
  lines.push(
    `  Database     ${r.config.DATABASE_URL ? 'PostgreSQL (DATABASE_URL)' : `PGlite in ${r.config.SWITCHYARD_DATA_DIR}/pglite`}`,
  );
  if (r.worker) lines.push(`  Worker       polling task queue "${r.worker.options.taskQueue}"`);
  if (r.adminKey) {
    if (r.adminKey.source === 'env') lines.push('  Admin key    from SWITCHYARD_ADMIN_KEY');
    else
      lines.push(
        `  Admin key    ${r.adminKey.value}`,
        `               (${r.adminKey.source === 'generated' ? 'generated now and ' : ''}stored in ${r.adminKey.path})`,
      );
  }
  lines.push('Press Ctrl+C to stop.', '');
  return lines.join('\n');
}

/** Shared entry point of `npm start`, `npm run start:api` and `npm run start:worker`. */
export async function runCli(roles: Roles): Promise<void> {
  try {
    const config = loadConfig();
    const running = await start(config, roles);
    stopOnSignals(running);
    process.stdout.write(banner(running) + '\n');
  } catch (err) {
    if (err instanceof ConfigError || err instanceof StartupError) {
      process.stderr.write(`switchyard: ${err.message}\n`);
    } else {
      process.stderr.write(`switchyard: start-up failed: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.exit(1);
  }
}
