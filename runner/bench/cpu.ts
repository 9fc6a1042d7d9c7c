// CPU time spent by processes, from /proc/<pid>/stat (Linux): how the lock benchmark splits each cycle's
// CPU between the servers, the client workers and the runner. It only reads; a process that is gone or a
// system without /proc counts as 0 ms, so a figure may be low but never made up.

import { readFileSync } from "node:fs";

/** Clock ticks per second of /proc's utime/stime: 100 on every Linux this runs on (USER_HZ). */
const TICKS_PER_SECOND = 100;

/** User + system CPU of one process so far, in ms (0 when it cannot be read). */
export function processCpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // fields after "(comm)": state is field 3, utime 14, stime 15 (1-based)
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** CPU of this process (all threads) so far, in ms. */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface CpuSplit {
  serversMs: number;
  workersMs: number;
  runnerMs: number;
}

/** A snapshot of the three groups' CPU so far. */
export function cpuSnapshot(serverPids: (number | undefined)[], workerPids: number[]): CpuSplit {
  const sum = (pids: (number | undefined)[]) => pids.reduce((s: number, p) => s + processCpuMs(p), 0);
  return { serversMs: sum(serverPids), workersMs: sum(workerPids), runnerMs: ownCpuMs() };
}

/** CPU per cycle of each group between two snapshots. */
export function cpuPerCycle(from: CpuSplit, to: CpuSplit, cycles: number): CpuSplit {
  const per = (a: number, b: number) => (cycles > 0 ? (b - a) / cycles : 0);
  return {
    serversMs: per(from.serversMs, to.serversMs),
    workersMs: per(from.workersMs, to.workersMs),
    runnerMs: per(from.runnerMs, to.runnerMs),
  };
}
