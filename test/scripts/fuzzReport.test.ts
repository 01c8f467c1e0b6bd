import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { summarise } from '../../scripts/fuzz-report';

const dir = mkdtempSync(join(tmpdir(), 'fuzz-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const b64 = (s: string) => ({ $base64: Buffer.from(s).toString('base64') });

/** One schemathesis NDJSON scenario with one failing case. */
function scenario(caseId: string, code: string, title: string, body: string, status: number): string {
  return JSON.stringify({
    ScenarioFinished: {
      recorder: {
        label: 'POST /v1/events',
        cases: { [caseId]: {} },
        checks: {
          [caseId]: [
            {
              name: 'not_a_server_error',
              status: 'failure',
              failure_info: { failure: { code, title, operation: 'POST /v1/events' } },
            },
            { name: 'status_code_conformance', status: 'success' },
          ],
        },
        interactions: {
          [caseId]: {
            request: { method: 'POST', uri: 'http://127.0.0.1:1/v1/events', body: b64(body) },
            response: { status_code: status, content: b64('{"error":{"code":"internal"}}') },
          },
        },
      },
    },
  });
}

describe('scripts/fuzz-report.ts', () => {
  it('groups failures by operation and kind, with a count, one example and the logged causes', async () => {
    const ndjson = join(dir, 'events.ndjson');
    writeFileSync(
      ndjson,
      [
        '{"Initialize":{}}',
        scenario('a', 'ST101', 'Server error', '{"payload":"\u0000"}', 500),
        scenario('b', 'ST101', 'Server error', '{"payload":"x\u0000"}', 500),
      ].join('\n'),
    );
    const log = join(dir, 'service.log');
    const line = (id: string) =>
      JSON.stringify({
        msg: 'unhandled error',
        method: 'POST',
        url: `/v1/webhooks/whk_${id}`,
        err: { code: '22P05', message: 'insert into "events" ... - unsupported Unicode escape sequence' },
      });
    writeFileSync(log, `${line('abc')}\nnot json\n${line('def')}\n`);
    const s = await summarise(ndjson, log);
    expect(s.failures).toBe(2);
    expect(s.text).toContain('2 test cases, 2 failed checks in 1 groups');
    expect(s.text).toContain('ST101 Server error — POST /v1/events ×2');
    // NUL made visible, so that each example stays on one line
    expect(s.text).toContain('body {"payload":"\\u0000"} → 500');
    expect(s.text).toContain('×2 POST /v1/webhooks/whk_…: 22P05 unsupported Unicode escape sequence');
  });

  it('counts a missing report as a failure', async () => {
    expect((await summarise(join(dir, 'none.ndjson'), join(dir, 'none.log'))).failures).toBe(1);
  });
});
