import { describe, expect, it } from 'vitest';
import { DEV_SERVER_GOMEMLIMIT, devServerArgs, devServerEnvironment } from '../../src/temporal/devServer';

describe('the embedded dev server command', () => {
  const base = { port: 7233, uiPort: 8233, namespace: 'default' } as const;

  it('keeps its SQLite file in WAL mode, without an fsync per transaction', () => {
    const args = devServerArgs({ ...base, dbFile: '/data/temporal.sqlite' });
    expect(args.join(' ')).toContain(
      '--db-filename /data/temporal.sqlite --sqlite-pragma journal_mode=wal --sqlite-pragma synchronous=normal',
    );
  });

  it('has no SQLite pragmas when it runs in memory', () => {
    expect(devServerArgs({ ...base, dbFile: null })).not.toContain('--sqlite-pragma');
  });

  it.each([
    [{}, DEV_SERVER_GOMEMLIMIT],
    [{ GOMEMLIMIT: '1GiB' }, '1GiB'],
    [{ GOMEMLIMIT: '' }, DEV_SERVER_GOMEMLIMIT],
  ])('runs with a soft Go memory limit (%o → %s)', (env, limit) => {
    expect(devServerEnvironment({ PATH: '/bin', ...env })).toEqual({ PATH: '/bin', GOMEMLIMIT: limit });
  });
});
