// The checker's verdict types (DESIGN.md section 3) and how verdicts compose (section 5).
// Plain data only: it must never import a backend, the nemesis or the runner.

export type Verdict = true | false | "unknown";

/** Why a verdict is unknown. */
export type UnknownCause = "time-limit" | "step-limit" | "memory-limit" | "cancelled";

export interface PartitionResult {
  /** The partition key ("" when unpartitioned). */
  key: string;
  valid: Verdict;
  cause?: UnknownCause;
  /** Number of operations (invoke/completion pairs, fail ops excluded) in the partition. */
  operations: number;
  /** Search steps spent on it. */
  steps: number;
}

export interface LinearizationStep {
  /** Index in the history of the invoke op placed here. */
  opIndex: number;
  description: string;
  /** Model state after this op. */
  stateAfter: string;
}

export interface Counterexample {
  /** The failing partition. */
  key: string;
  /** History index of the invoke op that could not be linearized (the first op no path got past). */
  opIndex: number;
  description: string;
  /** The longest linearizable prefixes found (Porcupine's partial linearizations), each with its states. */
  longestPrefixes: LinearizationStep[][];
  initialState: string;
}

export interface CheckResult {
  valid: Verdict;
  cause?: UnknownCause;
  model: string;
  engine: "wasm" | "ts" | "oracle";
  partitions: PartitionResult[];
  counterexample?: Counterexample;
  /** Time of the check itself (parsing excluded), ms. */
  elapsedMs: number;
}

/** Jepsen's composition: false beats unknown beats true. */
export function composeVerdicts(verdicts: Iterable<Verdict>): Verdict {
  let out: Verdict = true;
  for (const v of verdicts) {
    if (v === false) return false;
    if (v === "unknown") out = "unknown";
  }
  return out;
}
