// switchyard_deliveries_waiting is read from the database at scrape time: a database that fails or
// hangs must not fail /metrics (the rest of the scrape still answers), and leaves no stale values.
import { describe, expect, it } from 'vitest';
import { createMetrics, WAITING_COLLECT_TIMEOUT_MS, type WaitingCounts } from '../../src/metrics';

const waitingLines = (text: string) =>
  text.split('\n').filter((l) => l.startsWith('switchyard_deliveries_waiting{'));

async function scrape(count: () => Promise<WaitingCounts>) {
  const metrics = createMetrics();
  const errors: unknown[] = [];
  metrics.countWaitingWith({ count, onError: (err) => errors.push(err) });
  const started = Date.now();
  const text = await metrics.registry.metrics();
  return { text, errors, tookMs: Date.now() - started };
}

describe('switchyard_deliveries_waiting', () => {
  it('reports the counts by reason', async () => {
    const { text, errors } = await scrape(async () => ({ token: 3, lane: 5 }));
    expect(waitingLines(text)).toEqual([
      'switchyard_deliveries_waiting{reason="token"} 3',
      'switchyard_deliveries_waiting{reason="lane"} 5',
    ]);
    expect(errors).toEqual([]);
  });

  it('a failing database leaves it without samples; the scrape still answers', async () => {
    const { text, errors } = await scrape(async () => {
      throw new Error('connection refused');
    });
    expect(waitingLines(text)).toEqual([]);
    expect(text).toContain('# TYPE switchyard_deliveries_waiting gauge');
    expect(text).toContain('switchyard_process_cpu_user_seconds_total');
    expect(errors).toHaveLength(1);
  });

  it('a database that does not answer is given up after the collect timeout', async () => {
    const { text, errors, tookMs } = await scrape(() => new Promise<never>(() => {}));
    expect(waitingLines(text)).toEqual([]);
    expect(tookMs).toBeGreaterThanOrEqual(WAITING_COLLECT_TIMEOUT_MS - 50);
    expect(tookMs).toBeLessThan(WAITING_COLLECT_TIMEOUT_MS + 2_000);
    expect(String(errors[0])).toContain('no answer within');
  });

  it('no source (a process without the API): no samples', async () => {
    const text = await createMetrics().registry.metrics();
    expect(waitingLines(text)).toEqual([]);
  });

  it('values from an earlier scrape do not outlive a failed one', async () => {
    const metrics = createMetrics();
    let fail = false;
    metrics.countWaitingWith({
      count: async () => {
        if (fail) throw new Error('down');
        return { token: 1, lane: 0 };
      },
      onError: () => {},
    });
    expect(waitingLines(await metrics.registry.metrics())).toHaveLength(2);
    fail = true;
    expect(waitingLines(await metrics.registry.metrics())).toEqual([]);
  });
});
