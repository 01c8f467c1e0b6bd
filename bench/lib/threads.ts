import { readdirSync, readFileSync } from 'node:fs';

const CLOCK_TICKS = 100; // USER_HZ on Linux

/** CPU seconds (user + system) of each thread of a process, by thread id, with its name. */
export type ThreadCpu = Map<number, { name: string; seconds: number }>;

/** One reading of /proc/<pid>/task/*\/stat; empty when the process is gone (or not Linux). */
export function readThreadCpu(pid: number): ThreadCpu {
  const out: ThreadCpu = new Map();
  let tids: string[] = [];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return out;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      out.set(Number(tid), { name, seconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS });
    } catch {
      // The thread ended between the listing and the read.
    }
  }
  return out;
}

/**
 * CPU seconds used between two readings, grouped by thread name (Linux truncates names to 15
 * characters: `node` for the main and worker threads, `tokio-runtime-w` for Temporal's core,
 * `V8 DefaultWorke` for V8's GC and compiler helpers, `libuv-worker` for the libuv pool). The main
 * thread (tid = pid) is reported as `main`. Threads that ended inside the window are missed.
 */
export function threadCpuDelta(pid: number, before: ThreadCpu, after: ThreadCpu): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [tid, { name, seconds }] of after) {
    const key = tid === pid ? 'main' : name;
    const used = seconds - (before.get(tid)?.seconds ?? 0);
    out[key] = (out[key] ?? 0) + Math.max(0, used);
  }
  return out;
}
