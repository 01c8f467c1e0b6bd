// The production form: `npm run build`, then the compiled all-in-one (`npm run start:prod`) with no
// tsx and no TypeScript source in sight of the process. The build goes to a scratch out dir inside
// the project (node_modules and package.json are found upwards from it), never to dist/.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scriptCommand, type SpawnOptions } from '../../bench/lib/procs';
import { processesMatching, repoRoot, runNode, type Proc } from '../support/process';
import { Receiver } from '../support/receiver';
import { freePort } from '../support/temporal';
import { json, subscribeAndPost } from './http';

/** A start:prod* script with its `dist/` files (the entry, the --require preload) pointed at `outDir`. */
function prodCommand(script: string, outDir: string) {
  // scriptCommand reads any "[VAR=value ...] node [flags] <entry>" script; its type names the tsx ones.
  const command = scriptCommand(script as SpawnOptions['script']);
  const entry = command.args.at(-1) ?? '';
  expect(entry, `${script} runs a file in dist/`).toMatch(/^dist\/[\w-]+\.js$/);
  const inOutDir = (arg: string) => {
    const file = /^(?:\.\/)?dist\/(.+)$/.exec(arg)?.[1];
    return file ? join(outDir, file) : arg;
  };
  return { ...command, args: command.args.map(inOutDir) };
}

describe('npm run build and the compiled all-in-one', () => {
  let outDir: string;
  let dataDir: string;
  let receiver: Receiver;
  let proc: Proc | undefined;

  beforeAll(async () => {
    mkdirSync(join(repoRoot, '.test-data'), { recursive: true });
    outDir = join(mkdtempSync(join(repoRoot, '.test-data', 'build-')), 'dist');
    dataDir = mkdtempSync(join(tmpdir(), 'switchyard-prod-'));
    receiver = await Receiver.start();
  });
  afterAll(async () => {
    await proc?.stop('SIGKILL');
    await receiver?.close();
    rmSync(dataDir, { recursive: true, force: true });
    if (outDir) rmSync(join(outDir, '..'), { recursive: true, force: true });
  });

  it('compiles the three entry points and the workflow bundle', () => {
    const built = spawnSync('npm', ['run', 'build', '--', '--outdir', relative(repoRoot, outDir)], {
      cwd: repoRoot,
      encoding: 'utf8',
      timeout: 180_000,
    });
    expect(built.status, built.stdout + built.stderr).toBe(0);
    for (const file of ['main.js', 'api.js', 'worker.js', 'workflow-bundle.js', 'workflow-thread.cjs']) {
      expect(existsSync(join(outDir, file)), file).toBe(true);
    }
    for (const file of ['main.js', 'api.js', 'worker.js']) {
      expect(existsSync(join(outDir, `${file}.map`)), `${file}.map`).toBe(true);
      const code = readFileSync(join(outDir, file), 'utf8');
      // npm packages stay imports; our TypeScript is inside; nothing loads tsx or a .ts file.
      expect(code).toMatch(/from "@temporalio\/worker"/);
      expect(code).not.toMatch(/(?:\bfrom|\bimport\(?)\s*["'](?:tsx(?:\/[^"']*)?|[^"']*\.ts)["']/);
    }
    expect(readFileSync(join(outDir, 'workflow-bundle.js'), 'utf8')).toContain('__TEMPORAL__');
  });

  it('starts with node alone, serves the API, delivers through the prebuilt bundle, stops on SIGTERM', async () => {
    const [port, temporalPort, uiPort] = [await freePort(), await freePort(), await freePort()];
    const api = `http://127.0.0.1:${port}`;
    // cwd elsewhere: nothing may depend on being started from the project folder.
    proc = runNode(
      prodCommand('start:prod', outDir),
      {
        SWITCHYARD_DATA_DIR: dataDir,
        PORT: String(port),
        TEMPORAL_PORT: String(temporalPort),
        TEMPORAL_UI_PORT: String(uiPort),
        SWITCHYARD_ALLOW_PRIVATE_TARGETS: 'true',
      },
      dataDir,
    );
    await proc.waitForOutput('Switchyard is running.');
    expect(proc.child.spawnargs.join(' ')).not.toContain('tsx');
    // The compiled preload reached the workflow thread (src/worker/workflowThread.cjs).
    expect(proc.output()).toContain('workflow stack traces off');

    expect((await json(`${api}/healthz`)).status).toBe(200);
    const adminKey = readFileSync(join(dataDir, 'admin-key'), 'utf8').trim();
    const account = await json(`${api}/v1/accounts`, {
      method: 'POST',
      key: adminKey,
      body: JSON.stringify({ name: 'prod' }),
    });
    expect(account.status).toBe(201);
    const key = account.body.api_key as string;
    expect((await json(`${api}/v1/account`, { key })).body.id).toBe(account.body.id);

    // The worker runs the workflows from dist/workflow-bundle.js (compiled, it cannot bundle).
    const event = await subscribeAndPost(api, key, receiver.url, 'prod-1');
    expect(event.status).toBe(202);
    await receiver.waitFor(1, 60_000);
    expect(receiver.requests[0]?.headers['webhook-id']).toBe(event.body.message_id);

    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(proc.output()).toContain('shutting down');
    expect(processesMatching(dataDir)).toEqual([]);
  });

  it('runs the compiled API and worker entries (which refuse to start without DATABASE_URL)', async () => {
    for (const script of ['start:prod:api', 'start:prod:worker']) {
      const refused = runNode(prodCommand(script, outDir), { SWITCHYARD_DATA_DIR: dataDir }, dataDir);
      expect(await refused.exited, refused.output()).toBe(1);
      expect(refused.output()).toContain(
        'DATABASE_URL is required when the API and the worker run as separate processes',
      );
    }
  });
});
