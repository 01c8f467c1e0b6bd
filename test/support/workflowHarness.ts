/**
 * A small, deterministic stand-in for the Temporal workflow runtime: unit tests run workflow code
 * with mocked activities, in the vitest process, with no server and no Worker.
 *
 * Wire it in a test file with
 *
 *     vi.mock('@temporalio/workflow', async (importOriginal) =>
 *       (await import('../support/workflowHarness')).workflowModuleMock(await importOriginal()),
 *     );
 *
 * then `const h = new WorkflowHarness({ activities })`, `await h.start(workflow, input)` and drive
 * it with `signal`, `query`, `advance` and `runToEnd`. What it models, after the SDK (1.24):
 * - One virtual clock. `Date.now()` / `new Date()` follow it while a harness is live (vitest fakes
 *   `Date` only; real `setImmediate` drives the steps). It moves only in `advance()`, or in
 *   `runToEnd()` when the run waits on nothing but timers (like the time-skipping test server).
 * - `sleep(ms)` and `condition(fn, timeout)` use timers of at least 1 ms (as the SDK does);
 *   `condition` evaluates `fn` at once, then after every step (signal, activity or child result,
 *   timer) once the microtasks have run, and returns false when its timer fires first.
 * - Signal and query handlers by name (`setHandler` with the SDK's own `defineSignal` /
 *   `defineQuery`); a signal sent before its handler exists is buffered, like the SDK does, which
 *   is how `signalWithStart` works. `signals(...)` delivers several in one activation. A plain
 *   Error thrown by the workflow shows as `failed` (on a worker it would fail the workflow task).
 * - `proxyActivities` / `proxyLocalActivities` call the test's functions by name; each call is
 *   recorded with the workflow time in `activityCalls`. Errors pass through as thrown (no
 *   ActivityFailure wrapping, no retries): the mocks model what the activity finally returns.
 * - `startChild` / `executeChild` ask `options.child` for the child's result and record the call;
 *   `getExternalWorkflowHandle(id).signal()` records the signal and asks `options.externalSignal`.
 * - `continueAsNew` ends the run with the new input (`outcome()`); `continueAsNew()` on the harness
 *   starts the next run from it, keeping the clock, mocks and records.
 * - `workflowInfo()` (workflowId, runId, continueAsNewSuggested, typedSearchAttributes), `upsertMemo`
 *   (merged into `memo`), `log` (recorded in `logs`). Everything else comes from the real package:
 *   what needs a workflow context there throws, so a workflow using more than this fails loudly.
 * Not modelled: Math.random's seeding, cancellation scopes, updates, history replay.
 */
import {
  msToNumber,
  TypedSearchAttributes,
  type Duration,
  type SearchAttributePair,
} from '@temporalio/common';
import type * as Workflow from '@temporalio/workflow';
import { vi } from 'vitest';

type WorkflowModule = typeof Workflow;
// Mocks are loosely typed on purpose: tests hand in vi.fn()s with partial results.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFn = (...args: any[]) => any;

export type Outcome =
  | { status: 'running' }
  | { status: 'completed'; result: unknown }
  | { status: 'continuedAsNew'; args: unknown[] }
  | { status: 'failed'; error: unknown };

export interface ActivityCall {
  name: string;
  args: unknown[];
  atMs: number;
}

export interface ChildCall {
  kind: 'start' | 'execute';
  workflowType: string;
  workflowId: string | undefined;
  options: Record<string, unknown>;
  atMs: number;
}

export interface ExternalSignalCall {
  workflowId: string;
  signal: string;
  args: unknown[];
  atMs: number;
}

export interface LogEntry {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attrs: Record<string, unknown> | undefined;
}

export interface HarnessOptions {
  /** The activities by name, as the workflow's `proxyActivities` sees them. */
  activities?: Record<string, AnyFn>;
  /** Where the virtual clock starts (epoch ms). */
  startMs?: number;
  workflowId?: string;
  /** The run's search attributes (`workflowInfo().typedSearchAttributes`). */
  searchAttributes?: SearchAttributePair[];
  /**
   * A child workflow: throw to make the start fail (e.g. an error named
   * WorkflowExecutionAlreadyStartedError); otherwise the child's result (or a promise of it).
   * Default: the child returns undefined.
   */
  child?: (call: ChildCall) => unknown;
  /** A signal to another workflow: throw or reject when that workflow does not exist. */
  externalSignal?: (call: ExternalSignalCall) => unknown;
}

/** What the fake `continueAsNew` throws: the run ends, carrying the next run's input. */
export class ContinueAsNewMarker extends Error {
  constructor(readonly args: unknown[]) {
    super('continue as new');
    this.name = 'ContinueAsNew';
  }
}

interface Timer {
  seq: number;
  at: number;
  fire: () => void;
}

interface Blocked {
  fn: () => boolean;
  resolve: () => void;
}

/** The state of one workflow run; continue-as-new starts a fresh one. */
interface Run {
  workflow: AnyFn;
  runId: string;
  outcome: Outcome;
  signals: Map<string, AnyFn>;
  queries: Map<string, AnyFn>;
  buffered: Array<{ name: string; args: unknown[] }>;
  timers: Timer[];
  blocked: Set<Blocked>;
}

const DEFAULT_START_MS = Date.UTC(2026, 0, 1);

/** The harness the mocked module talks to: one at a time. */
const live: { harness?: WorkflowHarness | undefined } = {};

function current(): WorkflowHarness {
  if (!live.harness) throw new Error('workflow API called with no WorkflowHarness live');
  return live.harness;
}

export class WorkflowHarness {
  readonly activityCalls: ActivityCall[] = [];
  readonly children: ChildCall[] = [];
  readonly externalSignals: ExternalSignalCall[] = [];
  readonly memo: Record<string, unknown> = {};
  readonly logs: LogEntry[] = [];
  /** Set to true to make `workflowInfo().continueAsNewSuggested` say so; reset for each run. */
  continueAsNewSuggested = false;
  private nowMs: number;
  private seq = 0;
  private runs = 0;
  private run: Run | undefined;
  /** Activities, children and external signals not settled yet: what stops time skipping. */
  private readonly inFlight = new Map<number, string>();

  constructor(private readonly options: HarnessOptions = {}) {
    if (live.harness) throw new Error('a WorkflowHarness is already live: dispose() it first');
    live.harness = this;
    this.nowMs = options.startMs ?? DEFAULT_START_MS;
    vi.useFakeTimers({ toFake: ['Date'], now: this.nowMs });
  }

  /** Ends the harness: the clock is real again. Call it in afterEach. */
  dispose(): void {
    vi.useRealTimers();
    if (live.harness === this) live.harness = undefined;
  }

  /** The virtual clock (epoch ms). */
  get now(): number {
    return this.nowMs;
  }

  /** Starts a run and lets it go as far as it can without time passing. */
  async start<F extends AnyFn>(workflow: F, ...args: Parameters<F>): Promise<void> {
    await this.startWith([], workflow, args);
  }

  /** A client's signal-with-start: the run sees the signal as soon as it sets its handler. */
  async signalWithStart<F extends AnyFn>(
    signal: string | { name: string },
    signalArgs: unknown[],
    workflow: F,
    ...args: Parameters<F>
  ): Promise<void> {
    await this.startWith(
      [{ name: typeof signal === 'string' ? signal : signal.name, args: signalArgs }],
      workflow,
      args,
    );
  }

  private async startWith(
    buffered: Array<{ name: string; args: unknown[] }>,
    workflow: AnyFn,
    args: unknown[],
  ): Promise<void> {
    this.run = {
      workflow,
      runId: `run-${++this.runs}`,
      outcome: { status: 'running' },
      signals: new Map(),
      queries: new Map(),
      buffered,
      timers: [],
      blocked: new Set(),
    };
    this.continueAsNewSuggested = false;
    const run = this.run;
    // Like a workflow task: the body starts on its own turn, so its first steps are not synchronous
    // with the caller.
    Promise.resolve()
      .then(() => workflow(...args) as unknown)
      .then(
        (result) => {
          run.outcome = { status: 'completed', result };
        },
        (error: unknown) => {
          run.outcome =
            error instanceof ContinueAsNewMarker
              ? { status: 'continuedAsNew', args: error.args }
              : { status: 'failed', error };
        },
      )
      .finally(() => {
        // A finished run keeps no timers or waits (the server cancels them).
        run.timers = [];
        run.blocked.clear();
      })
      .catch(() => undefined);
    await this.settle();
  }

  /** After a continue-as-new: starts the next run with the input it carried. */
  async continueAsNew(): Promise<void> {
    const run = this.currentRun();
    if (run.outcome.status !== 'continuedAsNew') throw new Error(`the run is ${run.outcome.status}`);
    await this.startWith([], run.workflow, run.outcome.args);
  }

  outcome(): Outcome {
    return this.currentRun().outcome;
  }

  /** The run's result; fails the test if the run ended any other way. */
  result(): unknown {
    const outcome = this.outcome();
    if (outcome.status !== 'completed')
      throw new Error(`expected a completed run, got ${JSON.stringify(outcome)}`);
    return outcome.result;
  }

  /** Delivers a signal (matched by name) and lets the run react. */
  async signal(signal: string | { name: string }, ...args: unknown[]): Promise<void> {
    await this.signals([signal, ...args]);
  }

  /**
   * Delivers several signals in one activation: every handler runs before the run reacts (what
   * the SDK does with signals that reach a worker together).
   */
  async signals(...batch: Array<[string | { name: string }, ...unknown[]]>): Promise<void> {
    const run = this.currentRun();
    if (run.outcome.status !== 'running')
      throw new Error(`cannot signal a run that is ${run.outcome.status}`);
    for (const [signal, ...args] of batch) {
      const name = typeof signal === 'string' ? signal : signal.name;
      const handler = run.signals.get(name);
      if (handler) handler(...args);
      else run.buffered.push({ name, args });
    }
    await this.settle();
  }

  /** Runs a query handler (matched by name), as a client would. */
  query<T = unknown>(query: string | { name: string }, ...args: unknown[]): T {
    const name = typeof query === 'string' ? query : query.name;
    const handler = this.currentRun().queries.get(name);
    if (!handler) throw new Error(`no query handler named ${name}`);
    return handler(...args) as T;
  }

  /** When the earliest pending timer fires (epoch ms), or undefined if none is pending. */
  nextTimerAt(): number | undefined {
    const timers = this.run?.timers ?? [];
    return timers.length ? Math.min(...timers.map((t) => t.at)) : undefined;
  }

  /** Moves the clock forward by `ms`, firing every timer due on the way, in order. */
  async advance(ms: number): Promise<void> {
    const target = this.nowMs + ms;
    for (let at = this.nextTimerAt(); at !== undefined && at <= target; at = this.nextTimerAt()) {
      await this.fireTimersAt(at);
    }
    this.setNow(target);
    await this.settle();
  }

  /**
   * Skips time like the time-skipping server until the run ends: whenever it waits on timers
   * only, the clock jumps to the next one. Throws if the run waits on something that will never
   * come (no timer, or an activity / child the test has not settled).
   */
  async runToEnd(): Promise<Outcome> {
    for (;;) {
      await this.settle();
      const run = this.currentRun();
      if (run.outcome.status !== 'running') return run.outcome;
      if (this.inFlight.size) throw new Error(`run blocked on ${[...this.inFlight.values()].join(', ')}`);
      const at = this.nextTimerAt();
      if (at === undefined)
        throw new Error('run blocked for ever: no timer, no activity, waiting for a signal');
      await this.fireTimersAt(at);
    }
  }

  /**
   * Lets every pending microtask run, then wakes each condition that became true, until nothing
   * changes: what the SDK does at the end of an activation.
   */
  async settle(): Promise<void> {
    for (;;) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      const run = this.run;
      if (!run) return;
      let woken = 0;
      for (const b of [...run.blocked]) {
        if (b.fn()) {
          run.blocked.delete(b);
          b.resolve();
          woken++;
        }
      }
      if (woken === 0) return;
    }
  }

  // ---- the workflow API, as the mocked module calls it ----

  /** @internal */
  addTimer(ms: Duration, fire: () => void): Timer {
    const timer = { seq: ++this.seq, at: this.nowMs + Math.max(1, msToNumber(ms)), fire };
    this.currentRun().timers.push(timer);
    return timer;
  }

  /** @internal */
  cancelTimer(timer: Timer): void {
    const run = this.currentRun();
    run.timers = run.timers.filter((t) => t !== timer);
  }

  /** @internal Resolves when fn() is true: at once, or after a later step. */
  block(fn: () => boolean, resolve: () => void): Blocked | undefined {
    if (fn()) {
      resolve();
      return undefined;
    }
    const b = { fn, resolve };
    this.currentRun().blocked.add(b);
    return b;
  }

  /** @internal */
  unblock(b: Blocked | undefined): void {
    if (b) this.currentRun().blocked.delete(b);
  }

  /** @internal */
  setHandler(def: { type: string; name: string }, handler: AnyFn | undefined): void {
    const run = this.currentRun();
    const table = def.type === 'query' ? run.queries : run.signals;
    if (!handler) {
      table.delete(def.name);
      return;
    }
    table.set(def.name, handler);
    if (def.type !== 'signal') return;
    const waiting = run.buffered.filter((s) => s.name === def.name);
    run.buffered = run.buffered.filter((s) => s.name !== def.name);
    for (const s of waiting) handler(...s.args);
  }

  /** @internal */
  callActivity(name: string, args: unknown[]): Promise<unknown> {
    this.activityCalls.push({ name, args, atMs: this.nowMs });
    const fn = this.options.activities?.[name];
    if (!fn) return Promise.reject(new Error(`no mock for activity ${name}`));
    return this.track(`activity ${name}`, () => fn(...args));
  }

  /** @internal */
  startChild(kind: ChildCall['kind'], workflow: string | AnyFn, options: Record<string, unknown>) {
    const workflowType = typeof workflow === 'string' ? workflow : workflow.name;
    const workflowId = options.workflowId as string | undefined;
    const call: ChildCall = { kind, workflowType, workflowId, options, atMs: this.nowMs };
    this.children.push(call);
    const child = this.options.child;
    // A throwing `child` fails the start; a rejected promise is the child failing.
    const result = child ? child(call) : undefined;
    // A started child nobody awaits (ParentClosePolicy.ABANDON) may fail unobserved.
    void Promise.resolve(result).catch(() => undefined);
    return {
      workflowId: workflowId ?? `child-${this.seq}`,
      firstExecutionRunId: `child-run-${++this.seq}`,
      result: () => this.track(`child ${workflowType} ${workflowId ?? ''}`, () => result),
    };
  }

  /** @internal */
  signalExternal(workflowId: string, signal: string, args: unknown[]): Promise<void> {
    const call = { workflowId, signal, args, atMs: this.nowMs };
    this.externalSignals.push(call);
    const hook = this.options.externalSignal;
    return this.track(`signal ${signal} to ${workflowId}`, () => hook?.(call)).then(() => undefined);
  }

  /** @internal */
  info(): Workflow.WorkflowInfo {
    const run = this.currentRun();
    // Only what these workflows read; the cast keeps the SDK's type for callers.
    return {
      workflowId: this.options.workflowId ?? 'workflow-under-test',
      runId: run.runId,
      workflowType: run.workflow.name,
      continueAsNewSuggested: this.continueAsNewSuggested,
      typedSearchAttributes: new TypedSearchAttributes(this.options.searchAttributes ?? []),
    } as unknown as Workflow.WorkflowInfo;
  }

  private currentRun(): Run {
    if (!this.run) throw new Error('no run started');
    return this.run;
  }

  private async track(what: string, work: () => unknown): Promise<unknown> {
    const id = ++this.seq;
    this.inFlight.set(id, what);
    try {
      return await work();
    } finally {
      this.inFlight.delete(id);
    }
  }

  private setNow(ms: number): void {
    this.nowMs = ms;
    vi.setSystemTime(ms);
  }

  private async fireTimersAt(at: number): Promise<void> {
    const run = this.currentRun();
    this.setNow(at);
    const due = run.timers.filter((t) => t.at === at).sort((a, b) => a.seq - b.seq);
    run.timers = run.timers.filter((t) => t.at !== at);
    for (const t of due) t.fire();
    await this.settle();
  }
}

/** A promise the test settles: a slow activity or child. */
export function deferred<T>(): {
  promise: Promise<T>;
  resolve: (v: T) => void;
  reject: (e: unknown) => void;
} {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

function sleep(ms: Duration): Promise<void> {
  return new Promise((resolve) => current().addTimer(ms, resolve));
}

function condition(fn: () => boolean, timeout?: Duration): Promise<boolean> {
  const h = current();
  return new Promise((resolve) => {
    if (timeout === undefined) {
      h.block(fn, () => resolve(true));
      return;
    }
    // As in the SDK: the timer starts, and is cancelled if fn() is already true.
    const timer = h.addTimer(timeout, () => {
      h.unblock(blocked);
      resolve(false);
    });
    const blocked = h.block(fn, () => {
      h.cancelTimer(timer);
      resolve(true);
    });
  });
}

function proxy(options: Workflow.ActivityOptions | Workflow.LocalActivityOptions): unknown {
  // The SDK's own check, so a workflow that would not start on a worker does not pass here.
  if (options.startToCloseTimeout === undefined && options.scheduleToCloseTimeout === undefined) {
    throw new TypeError('Required either scheduleToCloseTimeout or startToCloseTimeout');
  }
  return new Proxy(
    {},
    {
      get: (_, name) => {
        if (typeof name !== 'string') return undefined;
        return (...args: unknown[]) => current().callActivity(name, args);
      },
    },
  );
}

const record =
  (level: LogEntry['level']) =>
  (message: string, attrs?: Record<string, unknown>): void => {
    current().logs.push({ level, message, attrs });
  };

/** The module `vi.mock('@temporalio/workflow', …)` returns: the real package with the runtime swapped. */
export function workflowModuleMock(actual: WorkflowModule): WorkflowModule {
  const fakes = {
    sleep,
    condition,
    setHandler: (def: { type: string; name: string }, handler: AnyFn | undefined) =>
      current().setHandler(def, handler),
    proxyActivities: proxy,
    proxyLocalActivities: proxy,
    continueAsNew: (...args: unknown[]) => Promise.reject(new ContinueAsNewMarker(args)),
    workflowInfo: () => current().info(),
    startChild: async (workflow: string | AnyFn, options: Record<string, unknown>) =>
      current().startChild('start', workflow, options),
    executeChild: async (workflow: string | AnyFn, options: Record<string, unknown>) =>
      current().startChild('execute', workflow, options).result(),
    getExternalWorkflowHandle: (workflowId: string) => ({
      workflowId,
      signal: (def: { name: string }, ...args: unknown[]) =>
        current().signalExternal(workflowId, def.name, args),
    }),
    upsertMemo: (memo: Record<string, unknown>) => {
      Object.assign(current().memo, memo);
    },
    log: {
      trace: record('trace'),
      debug: record('debug'),
      info: record('info'),
      warn: record('warn'),
      error: record('error'),
    },
  };
  return { ...actual, ...fakes } as unknown as WorkflowModule;
}
