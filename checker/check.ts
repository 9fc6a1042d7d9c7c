// `check(history, model, options)`: the linearizability verdict of a whole history (DESIGN.md section 3).
// Splits it into partitions when the model partitions, searches them interleaved with the chosen engine
// under time, step and memory budgets, and explains an illegal one with a counterexample.
// It must never print, read files, or import a backend, the nemesis or the runner.

import type { History } from "../histories/op.js";
import type { Model } from "../models/model.js";
import { buildCounterexample } from "./counterexample.js";
import { type EngineChoice, selectEngine } from "./engines.js";
import { toOperations } from "./operations.js";
import type { CheckResult, UnknownCause, Verdict } from "./result.js";
import { type PartitionInput, schedule } from "./scheduler.js";

export interface CheckOptions {
  /** "auto" (default): wasm when it supports the model, else ts. */
  engine?: EngineChoice;
  /** Check each partition of the model separately (default: true when the model partitions). */
  partition?: boolean;
  /** Wall-clock budget, ms (default: none). Over it: unknown, cause time-limit. */
  timeLimitMs?: number;
  /** Most steps (ops tried) per partition (default: none). Over it: unknown, cause step-limit. */
  maxSteps?: number;
  /** Most memo entries per live search (default 2,000,000). Over it: unknown, cause memory-limit. */
  maxCacheEntries?: number;
  /** Steps per scheduling slice (default 2,000). */
  sliceSteps?: number;
  /** Most partitions searched at once (default 16). */
  window?: number;
}

export const DEFAULT_MAX_CACHE_ENTRIES = 2_000_000;
export const DEFAULT_SLICE_STEPS = 2_000;
export const DEFAULT_WINDOW = 16;

export function check(history: History, model: Model, options: CheckOptions = {}): CheckResult {
  const startedAt = performance.now();
  const engine = selectEngine(options.engine ?? "auto", model);
  const sliceSteps = positive("sliceSteps", options.sliceSteps ?? DEFAULT_SLICE_STEPS);
  const split = (options.partition ?? true) && model.partition !== undefined;
  const groups = split
    ? model.partition!(history)
    : new Map([["", history.filter((op) => op.process !== "nemesis")]]);
  const inputs: PartitionInput[] = [];
  for (const [key, ops] of groups) inputs.push({ key, operations: toOperations(ops, model) });

  const outcome = schedule(engine, model, inputs, {
    timeLimitMs: positive("timeLimitMs", options.timeLimitMs ?? Infinity),
    maxSteps: positive("maxSteps", options.maxSteps ?? Infinity),
    maxCacheEntries: positive("maxCacheEntries", options.maxCacheEntries ?? DEFAULT_MAX_CACHE_ENTRIES),
    sliceSteps,
    window: positive("window", options.window ?? DEFAULT_WINDOW),
    firstRoundSteps: sliceSteps * 50,
    now: () => performance.now(),
    startedAt,
  });

  let valid: Verdict = true;
  let cause: UnknownCause | undefined;
  for (const p of outcome.partitions) {
    if (p.valid === false) valid = false;
    else if (p.valid === "unknown" && valid === true) {
      valid = "unknown";
      cause = p.cause;
    }
  }
  const result: CheckResult = {
    valid,
    model: model.name,
    engine: engine.name,
    partitions: outcome.partitions,
    elapsedMs: 0,
  };
  if (valid === "unknown" && cause) result.cause = cause;
  if (outcome.illegal) {
    const { input, search } = outcome.illegal;
    try {
      result.counterexample = buildCounterexample(input.key, model, input.operations, search);
    } finally {
      search.dispose();
    }
  }
  result.elapsedMs = performance.now() - startedAt;
  return result;
}

function positive(name: string, value: number): number {
  if (!(value > 0)) throw new RangeError(`check: ${name} must be > 0, got ${value}`);
  return value;
}
