// `npm run bench:sandbox [-- --workflows N --rounds R --history FILE --json out.json]`
//
// What the Temporal SDK's workflow sandbox costs per workflow, without a server: replays one
// recorded history (by default a first-attempt delivery, test/workflows/histories) N times through
// the SDK's own workflow thread, in a process started with the node flags and preload of
// package.json's start:worker, once with SWITCHYARD_WORKFLOW_STACK_TRACES off (the default) and
// once on, R rounds alternating. Replay runs the same code a live workflow task does (create the
// workflow in the reusable vm context, activate it, resolve the local activity from the marker,
// complete, evict) minus the server and the activity itself, so the figures are the sandbox's share
// of a delivery and move much less than `npm run bench`'s. Writes JSON to bench-results/.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from '@temporalio/worker';
import { installRuntime, workflowBundle } from '../src/worker';
import { parseArgs } from './lib/args';
import { REPO_ROOT, scriptCommand } from './lib/procs';
import { round, summarize } from './lib/stats';

const args = parseArgs('npm run bench:sandbox --', {
  workflows: { type: 'number', default: 2000, help: 'histories replayed per measurement' },
  rounds: { type: 'number', default: 3, help: 'measurements per setting, alternating' },
  history: {
    type: 'string',
    default: 'test/workflows/histories/deliverWebhook-delivered.json',
    help: 'the recorded history replayed',
  },
  'node-args': {
    type: 'string',
    default: '',
    help: 'extra node flags for the measuring process, e.g. "--require $PWD/bench/preload/x.cjs"',
  },
  json: { type: 'string', default: '', help: 'JSON result path (default bench-results/sandbox-<time>.json)' },
  child: { type: 'string', default: '', help: '(internal) measure once with this setting' },
});

interface Measurement {
  stackTraces: boolean;
  workflows: number;
  cpuMsPerWorkflow: number;
  wallMsPerWorkflow: number;
}

async function measureHere(): Promise<Measurement> {
  installRuntime('warn');
  const bundle = await workflowBundle();
  const history: unknown = JSON.parse(readFileSync(resolve(REPO_ROOT, args.history), 'utf8'));
  const replay = async (count: number, prefix: string) => {
    const histories = function* () {
      for (let i = 0; i < count; i++) yield { workflowId: `${prefix}-${i}`, history };
    };
    // debugMode false: the workflows run in the SDK's workflow thread, as a live worker's do. A
    // replay worker otherwise runs them in the calling thread: the SDK sets debugMode before the
    // options it is given (worker.js constructReplayWorker), though its type leaves the field out.
    const options = { workflowBundle: bundle, debugMode: false };
    for await (const r of Worker.runReplayHistories(options, histories())) {
      if (r.error) throw r.error;
    }
  };
  await replay(Math.min(200, args.workflows), 'warm-up');
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  await replay(args.workflows, 'measured');
  const wall = performance.now() - wall0;
  // The whole process: each replay worker has its own workflow thread, gone before a per-thread
  // reading could be taken; nothing else runs in this process meanwhile.
  const cpu = process.cpuUsage(cpu0);
  const per = (ms: number) => round(ms / args.workflows, 3);
  return {
    stackTraces: ['true', '1', 'yes'].includes(process.env.SWITCHYARD_WORKFLOW_STACK_TRACES ?? ''),
    workflows: args.workflows,
    cpuMsPerWorkflow: per((cpu.user + cpu.system) / 1000),
    wallMsPerWorkflow: per(wall),
  };
}

function measureInChild(stackTraces: boolean): Measurement {
  // start:worker's flags (memory, the workflow-thread preload, tsx), this file instead of its entry.
  const command = scriptCommand('start:worker');
  const extra = args['node-args'].split(' ').filter(Boolean);
  const argv = [...extra, ...command.args.slice(0, -1), 'bench/sandbox.ts', ...process.argv.slice(2)];
  const out = spawnSync(process.execPath, [...argv, '--child', String(stackTraces)], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...command.env, SWITCHYARD_WORKFLOW_STACK_TRACES: String(stackTraces) },
    encoding: 'utf8',
    timeout: 600_000,
  });
  if (out.status !== 0) throw new Error(`the measuring process failed:\n${out.stdout}${out.stderr}`);
  return JSON.parse(out.stdout.trim().split('\n').at(-1) ?? '') as Measurement;
}

if (args.child) {
  process.stdout.write(`${JSON.stringify(await measureHere())}\n`);
  process.exit(0);
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2
    ? (s[(s.length - 1) / 2] ?? 0)
    : ((s[s.length / 2 - 1] ?? 0) + (s[s.length / 2] ?? 0)) / 2;
};
const runs: Measurement[] = [];
for (let round_ = 1; round_ <= args.rounds; round_++) {
  // Alternate which setting goes first: the second run of a pair tends to differ.
  for (const on of round_ % 2 ? [false, true] : [true, false]) {
    const m = measureInChild(on);
    runs.push(m);
    console.log(
      `round ${round_}/${args.rounds}  stack traces ${on ? 'on ' : 'off'}  ` +
        `${m.cpuMsPerWorkflow} ms CPU per workflow, wall ${m.wallMsPerWorkflow} ms`,
    );
  }
}
const summary = Object.fromEntries(
  [false, true].map((on) => {
    const of = runs.filter((r) => r.stackTraces === on);
    return [
      on ? 'on' : 'off',
      {
        cpuMsPerWorkflow: round(summarize(of.map((r) => r.cpuMsPerWorkflow)).mean, 3),
        cpuMsPerWorkflowMedian: round(median(of.map((r) => r.cpuMsPerWorkflow)), 3),
      },
    ];
  }),
);
console.log(
  `CPU ms per workflow, mean (median): stack traces off ${summary.off?.cpuMsPerWorkflow} ` +
    `(${summary.off?.cpuMsPerWorkflowMedian}), on ${summary.on?.cpuMsPerWorkflow} (${summary.on?.cpuMsPerWorkflowMedian})`,
);
const file =
  args.json ||
  join(REPO_ROOT, 'bench-results', `sandbox-${new Date().toISOString().replace(/[-:]|\.\d+/g, '')}.json`);
mkdirSync(resolve(file, '..'), { recursive: true });
writeFileSync(
  file,
  JSON.stringify({ command: process.argv.slice(2), history: args.history, runs, summary }, null, 2),
);
console.log(`written ${file}`);
