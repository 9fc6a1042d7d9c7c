// The op and history types of DESIGN.md section 2: the one data format every part of locksmith shares.
// This module only declares data; it must never do I/O or depend on any other folder.

/** invoke, then exactly one completion: ok (it happened), fail (it did not), info (unknown). */
export type OpType = "invoke" | "ok" | "fail" | "info";

export const OP_TYPES: readonly OpType[] = ["invoke", "ok", "fail", "info"];

/** Client processes are integers; fault events use the process "nemesis". */
export type ProcessId = number | "nemesis";

export interface Op {
  /** Position in the history, 0-based and dense. */
  index: number;
  /** Nanoseconds on the runner's monotonic clock since the test started (the only trusted time). */
  time: number;
  process: ProcessId;
  type: OpType;
  /** Model-specific function name: "acquire", "read", "cas", "res-write", a fault name for the nemesis... */
  f: string;
  /** Lock or register name; histories are partitioned by it. */
  key?: string;
  value?: unknown;
  /** Why an op failed or is unknown. */
  error?: unknown;
}

export type History = Op[];

/** Where an op came from, for error messages: the file and the 1-based line. */
export interface SourcePosition {
  file: string;
  line: number;
}

/** A problem in input, always reported as `file:line: message`. */
export class HistoryInputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = "HistoryInputError";
  }
}
