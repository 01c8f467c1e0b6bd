// The fuzz run's findings, de-duplicated: schemathesis reports every failing test case; a reader
// wants one line per (operation, kind of failure) with a count and one reproducible example, and
// for the 500s the cause the service logged (its "unhandled error" lines), grouped the same way.
import { createReadStream, existsSync } from 'node:fs';
import { createInterface } from 'node:readline';

interface Interaction {
  request: { method: string; uri: string; body?: { $base64?: string } };
  response?: { status_code: number; content?: { $base64?: string } };
}
interface Check {
  name: string;
  status: string;
  failure_info?: { failure: { code?: string; title: string; operation: string } };
}
interface Finished {
  recorder: {
    label: string;
    cases?: Record<string, unknown>;
    checks?: Record<string, Check[]>;
    interactions?: Record<string, Interaction>;
  };
}

interface Group {
  operation: string;
  code: string;
  title: string;
  count: number;
  example: string;
}

const b64 = (v?: { $base64?: string }) => (v?.$base64 ? Buffer.from(v.$base64, 'base64').toString() : '');
const clip = (s: string, n: number) => {
  // Control characters (NUL, CR, LF...) made visible, so that one example stays on one line.
  const flat = s.replace(
    // eslint-disable-next-line no-control-regex -- matching them is the point
    /[\u0000-\u001f\u007f]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
  return flat.length > n ? `${flat.slice(0, n)}…` : flat;
};

function example(i: Interaction | undefined): string {
  if (!i) return '';
  const url = new URL(i.request.uri);
  const body = b64(i.request.body);
  const status = i.response ? String(i.response.status_code) : 'no response';
  return `${i.request.method} ${clip(decodeURIComponent(url.pathname + url.search), 160)}${body ? ` body ${clip(body, 200)}` : ''} → ${status}${i.response ? ` ${clip(b64(i.response.content), 160)}` : ''}`;
}

async function* lines(path: string): AsyncGenerator<string> {
  if (!existsSync(path)) return;
  yield* createInterface({ input: createReadStream(path), crlfDelay: Infinity });
}

const UNDECLARED_METHOD = 'ST204';

/** Groups the failed checks of a schemathesis NDJSON report. */
export async function failureGroups(ndjson: string): Promise<{ cases: number; groups: Group[] }> {
  const groups = new Map<string, Group>();
  let cases = 0;
  for await (const line of lines(ndjson)) {
    if (!line.startsWith('{"ScenarioFinished"')) continue;
    const { recorder } = (JSON.parse(line) as { ScenarioFinished: Finished }).ScenarioFinished;
    cases += Object.keys(recorder.cases ?? {}).length;
    for (const [caseId, checks] of Object.entries(recorder.checks ?? {})) {
      for (const c of checks) {
        if (c.status !== 'failure' || !c.failure_info) continue;
        const f = c.failure_info.failure;
        const operation = f.operation || recorder.label;
        const key = `${operation}\u0000${f.code ?? c.name}\u0000${f.title}`;
        const g = groups.get(key);
        if (g) g.count++;
        else
          groups.set(key, {
            operation,
            code: f.code ?? c.name,
            title: f.title,
            count: 1,
            example: example(recorder.interactions?.[caseId]),
          });
      }
    }
  }
  // A method the schema does not list gets the same answer on every path: one line, not one a path.
  const undeclared = [...groups.values()].filter((g) => g.code === UNDECLARED_METHOD);
  if (undeclared.length > 1) {
    for (const g of undeclared) groups.delete(`${g.operation}\u0000${g.code}\u0000${g.title}`);
    const first = undeclared[0]!;
    groups.set(UNDECLARED_METHOD, {
      ...first,
      operation: `${undeclared.length} operations`,
      count: undeclared.reduce((a, g) => a + g.count, 0),
    });
  }
  const list = [...groups.values()].sort(
    (a, b) => a.code.localeCompare(b.code) || a.operation.localeCompare(b.operation),
  );
  return { cases, groups: list };
}

/** The service's own account of its 500s: "unhandled error" log lines by route and cause. */
export async function serverErrorCauses(serviceLog: string): Promise<Array<[string, number]>> {
  const causes = new Map<string, number>();
  for await (const line of lines(serviceLog)) {
    if (!line.includes('"unhandled error"')) continue;
    try {
      const e = JSON.parse(line) as {
        method?: string;
        url?: string;
        err?: { message?: string; code?: string; detail?: string };
      };
      const path = (e.url ?? '')
        .split('?')[0]!
        .replace(/\/(whk|chn|acc|evt|dlv|jrn|key)_[0-9a-z]+/g, '/$1_…');
      // The SQL text of a database error is long and the same for every input: keep its tail.
      const message = (e.err?.message ?? '')
        .split(' - ')
        .pop()!
        .replace(/"[^"]*"/g, '"…"');
      const cause = `${e.method} ${path}: ${[e.err?.code, message, e.err?.detail].filter(Boolean).join(' ')}`;
      causes.set(cause, (causes.get(cause) ?? 0) + 1);
    } catch {
      /* not a JSON log line */
    }
  }
  return [...causes.entries()].sort((a, b) => b[1] - a[1]);
}

export async function summarise(
  ndjson: string,
  serviceLog: string,
): Promise<{ text: string; failures: number }> {
  const { cases, groups } = await failureGroups(ndjson);
  const causes = await serverErrorCauses(serviceLog);
  const failures = groups.reduce((a, g) => a + g.count, 0);
  const out = [
    `fuzz findings: ${cases} test cases, ${failures} failed checks in ${groups.length} groups (operation × failure)`,
  ];
  for (const g of groups) {
    out.push(`  ${g.code} ${g.title} — ${g.operation} ×${g.count}`, `      e.g. ${g.example}`);
  }
  if (causes.length) {
    out.push('', 'server errors by cause (the service log):');
    for (const [cause, n] of causes) out.push(`  ×${n} ${clip(cause, 300)}`);
  }
  return { text: `${out.join('\n')}\n`, failures: failures + (existsSync(ndjson) ? 0 : 1) };
}
