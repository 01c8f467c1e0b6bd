import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  bucketRows,
  classifyFrame,
  mergeSummaries,
  nativeThreadKind,
  parseProfileName,
  scaleSummary,
  summarizeProfile,
  summarizeProfileDir,
  type CallFrame,
  type CpuProfile,
} from '../../../bench/lib/profileSummary';

const NM = 'file:///work/app/node_modules';
const frame = (functionName: string, url = ''): CallFrame => ({ functionName, url, lineNumber: 9 });

describe('classifyFrame', () => {
  it.each([
    [frame('(garbage collector)'), 'GC'],
    [frame('(idle)'), 'idle'],
    [frame('(program)'), 'program'],
    [frame('runInContext'), 'workflow sandbox'],
    [frame('activate', '/tmp/workflow-bundle-3f2a.js'), 'workflow sandbox'],
    [frame('x', `${NM}/@temporalio/worker/lib/workflow/reusable-vm.js`), 'workflow sandbox'],
    [frame('x', `${NM}/@temporalio/workflow/lib/internals.js`), 'workflow sandbox'],
    [frame('pollActivationTask', `${NM}/@temporalio/core-bridge/index.js`), 'Temporal core bridge'],
    [frame('decode', `${NM}/@temporalio/proto/protos/root.js`), 'protobuf'],
    [frame('read', `${NM}/protobufjs/src/reader.js`), 'protobuf'],
    [frame('toPayload', `${NM}/@temporalio/common/lib/converter/payload-converter.js`), 'payload conversion'],
    [frame('x', `${NM}/@temporalio/worker/lib/worker.js`), 'Temporal SDK (other JS)'],
    [
      frame('_next', `${NM}/rxjs/dist/cjs/internal/operators/OperatorSubscriber.js`),
      'Temporal SDK (other JS)',
    ],
    [frame('request', `${NM}/undici/lib/dispatcher/client-h1.js`), 'undici / HTTP'],
    [frame('parserOnHeadersComplete', 'node:_http_common'), 'undici / HTTP'],
    [frame('query', `${NM}/@electric-sql/pglite/dist/index.js`), 'PGlite'],
    [frame('toSQL', `${NM}/knex/lib/query/querycompiler.js`), 'knex / pg'],
    [frame('handle', `${NM}/router/lib/layer.js`), 'express + API routes'],
    [frame('postEvent', 'file:///work/app/src/api/routes/events.ts'), 'express + API routes'],
    [frame('_parse', `${NM}/zod/v4/core/schemas.js`), 'zod'],
    [frame('parse'), 'JSON'],
    [frame('stringify'), 'JSON'],
    [frame('createHmac', 'node:internal/crypto/hash'), 'crypto'],
    [frame('write', `${NM}/pino/lib/proto.js`), 'pino logging'],
    [frame('write', `${NM}/sonic-boom/index.js`), 'pino logging'],
    [frame('observe', `${NM}/prom-client/lib/histogram.js`), 'prom-client metrics'],
    [frame('load', `${NM}/tsx/dist/esm/index.mjs`), 'module loading'],
    [frame('deliver', 'file:///work/app/src/services/deliveries.ts'), 'Switchyard (other src/)'],
    [frame('x', `${NM}/left-pad/index.js`), 'other'],
  ])('%o → %s', (f, bucket) => {
    expect(classifyFrame(f)).toBe(bucket);
  });

  it.each([
    frame('from'),
    frame('processTicksAndRejections', 'node:internal/process/task_queues'),
    frame('emit', 'node:events'),
    frame('wasm-function[42]', 'wasm://wasm/0a1b2c3d'),
  ])('leaves %o to its caller', (f) => {
    expect(classifyFrame(f)).toBeUndefined();
  });
});

/**
 * (root) 1 → program 2, idle 3, GC 4, pglite query 5 → wasm 6, undici 7 → Buffer.from 8,
 * events.emit 9 (called from root: nobody to inherit from → other).
 */
function profile(samples: number[], deltas: number[], startTime = 1_000_000): CpuProfile {
  return {
    startTime,
    endTime: startTime + deltas.reduce((a, b) => a + b, 0) + 1000,
    nodes: [
      { id: 1, callFrame: frame('(root)'), children: [2, 3, 4, 5, 7, 9] },
      { id: 2, callFrame: frame('(program)') },
      { id: 3, callFrame: frame('(idle)') },
      { id: 4, callFrame: frame('(garbage collector)') },
      { id: 5, callFrame: frame('query', `${NM}/@electric-sql/pglite/dist/index.js`), children: [6] },
      { id: 6, callFrame: frame('wasm-function[7]', 'wasm://wasm/abc') },
      { id: 7, callFrame: frame('write', `${NM}/undici/lib/core/util.js`), children: [8] },
      { id: 8, callFrame: frame('from') },
      { id: 9, callFrame: frame('emit', 'node:events') },
    ],
    samples,
    timeDeltas: deltas,
  };
}

describe('summarizeProfile', () => {
  // Sample times (µs after start): 0, 1000, 3000, 4000, 6000, 7000, 8000; end 9000.
  const p = profile([3, 6, 6, 8, 4, 5, 9], [0, 1000, 2000, 1000, 2000, 1000, 1000]);

  it('gives each sample the time until the next one, and passes unclassified frames to their callers', () => {
    const s = summarizeProfile(p);
    expect(s.buckets.idle).toBe(1);
    expect(s.buckets.PGlite).toBe(2 + 1 + 1); // two wasm samples (2 ms + 1 ms), then query itself
    expect(s.buckets['undici / HTTP']).toBe(2);
    expect(s.buckets.GC).toBe(1);
    expect(s.buckets.other).toBe(1); // emit at the end lasts until endTime
    expect(s.busyMs).toBe(8);
    expect(s.wallMs).toBe(9);
  });

  it('lists functions by self time, without idle, program and GC', () => {
    const s = summarizeProfile(p, { top: 2 });
    expect(s.topFunctions).toEqual([
      { functionName: 'wasm-function[7]', url: 'wasm://wasm/abc', line: 10, bucket: 'PGlite', ms: 3 },
      { functionName: 'from', url: '', line: 10, bucket: 'undici / HTTP', ms: 2 },
    ]);
  });

  it('counts only the samples inside a window, cut at its end', () => {
    const s = summarizeProfile(p, { fromUs: 1_001_000, toUs: 1_003_500 });
    expect(s.buckets.PGlite).toBe(2.5); // 1000–3000 whole, 3000–3500 of the next
    expect(s.busyMs).toBe(2.5);
    expect(s.wallMs).toBe(2.5);
  });

  it('merges threads and ranks buckets per item with their share of busy time', () => {
    const merged = mergeSummaries([summarizeProfile(p), summarizeProfile(p)]);
    expect(merged.busyMs).toBe(16);
    expect(merged.topFunctions[0]).toMatchObject({ functionName: 'wasm-function[7]', ms: 6 });
    const rows = bucketRows(merged, 4);
    expect(rows[0]).toEqual({ bucket: 'PGlite', msPerItem: 2, share: 0.5 });
    expect(rows.find((r) => r.bucket === 'idle')?.share).toBeNaN();
  });
});

describe('profile files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'profile-summary-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('parses node’s file names', () => {
    expect(parseProfileName('CPU.20261129.203328.8343.1.002.cpuprofile')).toEqual({ pid: 8343, threadId: 1 });
    expect(parseProfileName('notes.txt')).toBeUndefined();
  });

  it('summarises every thread of a directory, skipping profiles outside the window', () => {
    writeFileSync(
      join(dir, 'CPU.20261129.1.77.0.001.cpuprofile'),
      JSON.stringify(profile([5, 6], [0, 1000])),
    );
    writeFileSync(join(dir, 'CPU.20261129.1.77.1.002.cpuprofile'), JSON.stringify(profile([7], [0])));
    writeFileSync(
      join(dir, 'CPU.20261129.1.78.0.003.cpuprofile'),
      JSON.stringify(profile([7], [0], 5_000_000)),
    );
    writeFileSync(join(dir, 'README'), 'not a profile');
    const threads = summarizeProfileDir(dir, { fromUs: 0, toUs: 2_000_000 });
    expect(threads.map((t) => [t.pid, t.threadId])).toEqual([
      [77, 0],
      [77, 1],
    ]);
    expect(threads[0]!.summary.buckets.PGlite).toBe(2);
    expect(threads[1]!.summary.buckets['undici / HTTP']).toBe(1);
  });
});

describe('scaling to CPU and native threads', () => {
  it('scales busy buckets and functions but not idle', () => {
    const s = summarizeProfile(profile([3, 6, 8], [0, 1000, 1000]));
    const half = scaleSummary(s, 0.5);
    expect(half.buckets.idle).toBe(s.buckets.idle);
    expect(half.buckets.PGlite).toBe(s.buckets.PGlite / 2);
    expect(half.busyMs).toBe(s.busyMs / 2);
    expect(half.topFunctions[0]!.ms).toBe(s.topFunctions[0]!.ms / 2);
    expect(scaleSummary(s, NaN).busyMs).toBe(0);
  });

  it.each([
    ['tokio-runtime-w', 'Temporal core (Rust threads)'],
    ['workflow-proces', 'Temporal core (Rust threads)'],
    ['V8 DefaultWorke', 'V8 helper threads (GC, compiler)'],
    ['v8:ProfEvntProc', 'CPU profiler thread (--profile overhead)'],
    ['libuv-worker', 'libuv thread pool'],
    ['inspector', 'other threads (inspector)'],
  ])('names the kind of thread %s', (name, kind) => {
    expect(nativeThreadKind(name)).toBe(kind);
  });
});
