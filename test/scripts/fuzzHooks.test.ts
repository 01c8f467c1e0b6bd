// scripts/fuzz_hooks.py, run by the pinned schemathesis' own Python: which 422 refusals of a
// schema-valid request count as documented (the rules the OpenAPI document cannot state).
import { execFileSync } from 'node:child_process';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FILTER_MESSAGES } from '../../src/rules/filter';
// @ts-expect-error -- a plain .mjs script (no types)
import { installedSchemathesis } from '../../scripts/setup-schemathesis.mjs';

const scripts = join(import.meta.dirname, '..', '..', 'scripts');

type Detail = { path: string; message: string };

/** Runs a Python script under the pinned schemathesis' Python, with fuzz_hooks importable; its JSON output. */
function runWithHooks<T>(script: string, input: unknown): T {
  const tool = installedSchemathesis() as { python: string; dir: string } | undefined;
  if (!tool) throw new Error('schemathesis is not installed: run node scripts/setup-schemathesis.mjs');
  const out = execFileSync(tool.python, ['-c', script, JSON.stringify(input)], {
    env: { ...process.env, PYTHONPATH: [tool.dir, scripts].join(delimiter) },
    encoding: 'utf8',
  });
  return JSON.parse(out) as T;
}

/** undocumented_details(label, [detail]) for each case, as the fuzz run computes it (one Python start). */
function undocumented(cases: [string, string, string][]): Detail[][] {
  return runWithHooks(
    'import json, sys, fuzz_hooks; print(json.dumps([fuzz_hooks.undocumented_details(l, [{"path": p, "message": m}]) for l, p, m in json.loads(sys.argv[1])]))',
    cases,
  );
}

describe('fuzz hooks: documented refusals of schema-valid requests', () => {
  const documented: [string, string, string][] = [
    [
      'POST /v1/webhooks',
      'target_url',
      'host 127.0.0.1 is a loopback address; only public addresses are allowed',
    ],
    [
      'PATCH /v1/webhooks/{id}',
      'additional_headers.Host',
      'header Host is set by Switchyard and cannot be overridden',
    ],
    ['POST /v1/webhooks', 'goods_owner_id', 'is required for a regular webhook'],
    ['POST /v1/channels', 'webhook_jobs.foo', 'is not a known job type (see GET /v1/job-types)'],
    ['POST /v1/channels', 'webhook_jobs.7\n', 'is not a known job type (see GET /v1/job-types)'],
    ['POST /v1/webhooks', 'retry_countdown_config.kwargs.max_value', 'must be greater than min_value'],
    [
      'PATCH /v1/channels/{id}',
      'recurring_jobs',
      'is only available on beta channels; stable channels use …',
    ],
    [
      'POST /v1/events',
      'payload.n',
      'is a number that cannot be represented exactly (beyond ±2^53 or out of range)',
    ],
    [
      'POST /v1/inbound/{channel_id}/{job_type}',
      'a.0',
      'must not contain unpaired UTF-16 surrogates (such as \\ud800)',
    ],
    ['PUT /v1/recurring-jobs/{job_type}', 'shift', 'must be shorter than period (1h); "minimal" is 5m'],
    ['POST /v1/webhooks', 'filter.status', 'is not a filter path: dot-separated names starting with …'],
    ['PATCH /v1/webhooks/{id}', 'filter.$and.1.payload.status.$gt', 'must be a number or a string'],
    ['PATCH /v1/webhooks/{id}', 'filter.payload.a.$regex', 'is not a known operator ($eq, $ne, …)'],
    ['POST /v1/webhooks', 'filter', 'is a filter of 9000 bytes serialized; at most 8192 (8 KiB) are allowed'],
    ['POST /v1/webhooks', 'filter.payload.n', 'is a number that cannot be represented exactly (…)'],
    ['POST /v1/filters/evaluate', 'filter.$not.$or', 'must be a non-empty array of filters'],
    [
      'POST /v1/filters/evaluate',
      'filter.$and.0.$or.0.$not.$not.$not',
      'nests a filter more than 8 levels deep',
    ],
    ['POST /v1/filters/evaluate', 'event.payload.a', 'must not contain unpaired UTF-16 surrogates (…)'],
    [
      'POST /v1/webhooks',
      'additional_headers.__proto__',
      'key "__proto__" is not accepted: JavaScript reads it …',
    ],
  ];
  // A documented path with another reason, a reason on another path, an operation without exceptions.
  const not: [string, string, string][] = [
    ['POST /v1/webhooks', 'target_url', 'must be a valid URL'],
    ['POST /v1/webhooks', 'name', 'is required for a regular webhook'],
    ['POST /v1/events', 'type', 'must not be empty'],
    ['POST /v1/accounts', 'name', 'must not be empty'],
    ['PUT /v1/recurring-jobs/{job_type}', 'period', 'must be shorter than period (1h)'],
    // A filter's reasons on another field, and other reasons on the filter.
    ['POST /v1/webhooks', 'name', 'must be a string'],
    ['POST /v1/webhooks', 'filter', 'must be a JSON object'],
    ['POST /v1/webhooks', 'filter.payload.a', 'must be a string longer than 3'],
    ['POST /v1/filters/evaluate', 'event.type', 'is not a catalogue event type (GET /v1/event-types)'],
    ['POST /v1/events', 'filter.status', 'is not a filter path: …'],
  ];

  it('accepts each documented rule on its operation and field, and nothing else', () => {
    const verdicts = undocumented([...documented, ...not]);
    documented.forEach((c, i) => expect(verdicts[i], c.join(' | ')).toEqual([]));
    not.forEach(([, path, message], i) =>
      expect(verdicts[documented.length + i], `${path} | ${message}`).toEqual([{ path, message }]),
    );
  });

  it("lets every message of the filter rule through on a filter's paths, on every operation that takes one", () => {
    const messages = Object.values(FILTER_MESSAGES).map((m) => (typeof m === 'function' ? m(9000) : m));
    const cases = ['POST /v1/webhooks', 'PATCH /v1/webhooks/{id}', 'POST /v1/filters/evaluate'].flatMap(
      (label) => messages.map((m): [string, string, string] => [label, 'filter.$or.0.payload.a', m]),
    );
    expect(undocumented(cases)).toEqual(cases.map(() => []));
  });
});

describe('fuzz hooks: cases negative only where the config pins valid values are dropped', () => {
  /** negative_only_where_pinned for each [negative locations, path values, headers] case. */
  function dropped(cases: Array<[string[], Record<string, unknown>, Record<string, string>]>): boolean[] {
    const script = `
import json, sys, fuzz_hooks
from types import SimpleNamespace as NS
from schemathesis.core.parameters import ParameterLocation as L
from schemathesis.generation import GenerationMode as M
out = []
for negative, path, headers in json.loads(sys.argv[1]):
    comps = {L(loc): NS(mode=M.NEGATIVE if loc in negative else M.POSITIVE) for loc in ["path", "header", "body", "query"]}
    case = NS(meta=NS(components=comps), path_parameters=path, headers=headers)
    out.append(fuzz_hooks.negative_only_where_pinned(case))
print(json.dumps(out))`;
    return runWithHooks<boolean[]>(script, cases);
  }

  it('drops a missing Authorization or a path id the pinned one replaced, keeps every other negative case', () => {
    const rows: Array<[string, [string[], Record<string, unknown>, Record<string, string>], boolean]> = [
      ['the auth header left out (the config sets it)', [['header'], { id: 'acc_1' }, {}], true],
      ['a path id replaced by the pinned one', [['path'], { id: 'acc_1' }, {}], true],
      ['both at once', [['path', 'header'], { id: 'acc_1' }, {}], true],
      ['a path id still too long as sent', [['path'], { id: 'x'.repeat(201) }, {}], false],
      ['an empty path id as sent', [['path'], { id: '' }, {}], false],
      ['an invalid Idempotency-Key', [['header'], {}, { 'Idempotency-Key': 'a b' }], false],
      [
        'a valid Idempotency-Key beside the missing auth',
        [['header'], {}, { 'Idempotency-Key': 'k-1' }],
        true,
      ],
      ['a negative body', [['body'], { id: 'acc_1' }, {}], false],
      ['a negative body and path', [['body', 'path'], { id: 'acc_1' }, {}], false],
      ['a negative query', [['query'], {}, {}], false],
      ['a positive case', [[], { id: 'acc_1' }, {}], false],
    ];
    const got = dropped(rows.map((r) => r[1]));
    expect(Object.fromEntries(rows.map(([name], i) => [name, got[i]]))).toEqual(
      Object.fromEntries(rows.map(([name, , want]) => [name, want])),
    );
  });
});
