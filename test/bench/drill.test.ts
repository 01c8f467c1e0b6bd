import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { adminDatabaseUrl, testDatabaseKinds } from '../support/db';

const root = fileURLToPath(new URL('../..', import.meta.url));
const DRILLS = [
  'worker-kill',
  'temporal-restart',
  'receiver-500',
  'receiver-hang',
  'receiver-reset',
  'receiver-slow',
];

interface Verdict {
  drill: string;
  accepted: number;
  expected: number;
  delivered: number;
  lost: number;
  duplicates: number;
  pass: boolean;
}

// The small failure drill (`npm run drill -- --small`) as a test: the worker killed with SIGKILL
// and restarted, the Temporal dev server stopped and restarted on its SQLite file, and receivers
// that answer 500s, hang past the timeout, reset connections or answer slowly. Nothing accepted
// may be lost. It needs PostgreSQL: the API and the worker run as separate processes. The
// pg-restart drill is left to `npm run drill`: a shared server cannot go down under a test suite.
describe.skipIf(!testDatabaseKinds().includes('postgres'))('failure drills (small)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'switchyard-drill-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'loses no accepted event when the worker, Temporal or the receiver fails',
    { timeout: 300_000 },
    async () => {
      const json = join(dir, 'drill.json');
      const output: string[] = [];
      const code = await new Promise<number | null>((resolve, reject) => {
        const child = spawn(
          process.execPath,
          // Not pg-restart: it stops the PostgreSQL server that parallel test files are using
          // (`npm run drill` runs it).
          ['--import', 'tsx', 'bench/drill.ts', '--small', '--only', DRILLS.join(','), '--json', json],
          {
            cwd: root,
            env: { ...process.env, SWITCHYARD_TEST_PG_URL: adminDatabaseUrl() },
            stdio: ['ignore', 'pipe', 'pipe'],
          },
        );
        child.stdout.on('data', (c: Buffer) => output.push(c.toString()));
        child.stderr.on('data', (c: Buffer) => output.push(c.toString()));
        // Bounded: the drill stops itself well before this; SIGTERM makes it clean up its processes.
        const timer = setTimeout(() => child.kill('SIGTERM'), 280_000);
        child.once('error', reject);
        child.once('exit', (c) => {
          clearTimeout(timer);
          resolve(c);
        });
      });
      const text = output.join('');
      expect(code, text).toBe(0);
      const result = JSON.parse(readFileSync(json, 'utf8')) as { verdicts: Verdict[]; pass: boolean };
      expect(result.verdicts.map((v) => v.drill).sort()).toEqual([...DRILLS].sort());
      for (const v of result.verdicts) {
        expect(v.accepted, `${v.drill} accepted events`).toBeGreaterThan(0);
        expect(v.lost, `${v.drill} lost deliveries\n${text}`).toBe(0);
        expect(v.delivered, v.drill).toBe(v.expected);
      }
      expect(result.pass).toBe(true);
    },
  );
});
