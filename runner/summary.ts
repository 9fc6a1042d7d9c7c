// The summary `locksmith record` prints: ops by function and outcome, acquire latency p50/p99, where the
// history is. Pure formatting of numbers the recorder kept; it must never read the history file.

/** The q-quantile (0..1) of `values` by nearest rank; NaN when empty. */
export function quantile(values: readonly number[], q: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[rank];
}

export interface RunSummary {
  lock: string;
  historyPath: string;
  testJsonPath: string;
  /** Where the servers' and clients' logs were copied. */
  logsDir?: string;
  ops: number;
  counts: Record<string, number>;
  acquireP50Ms: number;
  acquireP99Ms: number;
  acquireOkP50Ms: number;
  acquireOkP99Ms: number;
  workerRestarts: number;
  durationS: number;
}

export function formatSummary(s: RunSummary): string {
  const fmt = (ms: number) => (Number.isNaN(ms) ? "-" : `${ms.toFixed(2)} ms`);
  const byF = new Map<string, string[]>();
  for (const [name, n] of Object.entries(s.counts).sort()) {
    const [f, type] = name.split(" ");
    const list = byF.get(f) ?? [];
    list.push(`${type} ${n}`);
    byF.set(f, list);
  }
  const lines = [
    `recorded ${s.ops} ops of ${s.lock} in ${s.durationS.toFixed(1)} s`,
    ...[...byF.entries()].map(([f, parts]) => `  ${f.padEnd(10)} ${parts.join(", ")}`),
    `  acquire latency (ok and fail): p50 ${fmt(s.acquireP50Ms)}, p99 ${fmt(s.acquireP99Ms)}`,
    `  acquire latency (ok only):     p50 ${fmt(s.acquireOkP50Ms)}, p99 ${fmt(s.acquireOkP99Ms)}`,
    `  worker restarts: ${s.workerRestarts}`,
    `history: ${s.historyPath}`,
    `test:    ${s.testJsonPath}`,
    ...(s.logsDir ? [`logs:    ${s.logsDir}`] : []),
  ];
  return lines.join("\n");
}
