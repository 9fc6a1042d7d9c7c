// The one protocol between the partition scheduler (checker/check.ts) and a search engine (wasm or TS).
// An engine searches one partition, resumably, a slice of steps at a time, so partitions can be
// interleaved. An engine must never import a backend, the nemesis or the runner, and never print.

import type { Model, Operation } from "../models/model.js";

export type SearchStatus = "running" | "linearizable" | "illegal" | "memory-limit";

export interface SearchLimits {
  /** Most memo-cache entries this search may hold before it stops with "memory-limit". */
  maxCacheEntries: number;
}

/** One partition's search, advanced by the scheduler in slices. */
export interface PartitionSearch {
  /** Run at most `maxSteps` more search steps (one step = one op tried). */
  run(maxSteps: number): SearchStatus;
  readonly status: SearchStatus;
  /** Steps taken so far. */
  readonly steps: number;
  /**
   * After "illegal": the longest linearizable prefixes found, as lists of operation ids (Operation.id,
   * i.e. history indexes of invokes), longest first, at most `limit` of them.
   */
  longestPrefixes(limit: number): number[][];
  /** After "illegal": the Operation.id of the op no path got past (the first call after a longest prefix). */
  failingOperation(): number;
  /** Free any memory held (wasm: release the search context). Safe to call twice. */
  dispose(): void;
}

export interface Engine {
  readonly name: "wasm" | "ts" | "oracle";
  /** Whether this engine can run `model` (the wasm engine runs only the built-in models). */
  supports(model: Model): boolean;
  /** Prepare the search of one partition: `operations` are ordered by invokeTime then id, fail ops removed. */
  start(model: Model, operations: Operation[], limits: SearchLimits): PartitionSearch;
}
