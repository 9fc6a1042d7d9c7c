// The human summary `locksmith check` prints without --json: the verdict, the size of the history, the
// partitions, the time, and for `false` the counterexample in words. Formatting only: it must never
// decide a verdict or touch the file system.

import type { CheckResult, LinearizationStep, Verdict } from "../../checker/result.js";

export interface SummaryContext {
  file: string;
  /** Entries in the history file (invocations and completions). */
  historyOps: number;
}

/** At most this many steps of a prefix are printed: the ones closest to the failing op matter most. */
const MAX_PREFIX_LINES = 12;

export function verdictLine(valid: Verdict, cause?: string): string {
  if (valid === true) return "valid";
  if (valid === false) return "INVALID";
  return cause ? `UNKNOWN (${cause})` : "UNKNOWN";
}

function verdictWord(result: CheckResult): string {
  if (result.valid === true) return "valid (linearizable)";
  if (result.valid === false) return "INVALID (not linearizable)";
  return `UNKNOWN (${result.cause ?? "no cause given"})`;
}

export function formatMs(ms: number): string {
  if (ms < 1) return `${ms.toFixed(3)} ms`;
  if (ms < 1000) return `${ms.toFixed(1)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

function describePrefix(prefix: LinearizationStep[], initialState: string): string[] {
  const lines: string[] = [];
  const shown = prefix.length > MAX_PREFIX_LINES ? prefix.slice(prefix.length - MAX_PREFIX_LINES) : prefix;
  if (shown.length < prefix.length) {
    lines.push(`      ... ${prefix.length - shown.length} earlier ops, then:`);
  } else {
    lines.push(`      start: ${initialState}`);
  }
  for (const step of shown) {
    lines.push(`      #${step.opIndex} ${step.description}  ->  ${step.stateAfter}`);
  }
  return lines;
}

export function describeCheckResult(result: CheckResult, context: SummaryContext): string {
  const operations = result.partitions.reduce((sum, p) => sum + p.operations, 0);
  const partitions = result.partitions.length;
  const lines = [
    `${context.file}: ${verdictWord(result)}`,
    `  model ${result.model}, engine ${result.engine}`,
    `  ${operations} operations (${context.historyOps} history entries) in ${partitions} partition${partitions === 1 ? "" : "s"}`,
    `  checked in ${formatMs(result.elapsedMs)} (parsing excluded)`,
  ];
  if (result.valid === "unknown") {
    const open = result.partitions.filter((p) => p.valid === "unknown");
    if (open.length > 0) {
      const names = open.slice(0, 5).map((p) => JSON.stringify(p.key));
      lines.push(`  unfinished: ${names.join(", ")}${open.length > 5 ? ` and ${open.length - 5} more` : ""}`);
    }
  }
  const ce = result.counterexample;
  if (result.valid === false && ce) {
    const where = ce.key === "" ? "" : ` on key ${JSON.stringify(ce.key)}`;
    lines.push(`  counterexample${where}:`);
    lines.push(
      `    op #${ce.opIndex} (${ce.description}) cannot be linearized after any ordering of the ops before it.`,
    );
    const longest = ce.longestPrefixes[0];
    if (longest && longest.length > 0) {
      const others = ce.longestPrefixes.length - 1;
      lines.push(
        `    longest linearizable prefix: ${longest.length} op${longest.length === 1 ? "" : "s"}` +
          (others > 0 ? ` (one of ${ce.longestPrefixes.length} found)` : ""),
      );
      lines.push(...describePrefix(longest, ce.initialState));
    } else {
      lines.push(`    no op could be linearized before it; initial state ${ce.initialState}`);
    }
  }
  return `${lines.join("\n")}\n`;
}
