// Runs the searches of many partitions interleaved (DESIGN.md section 3), so a hopeless partition cannot
// hide an easy illegal one: round-robin slices of steps over a bounded window of live searches. A search
// that has used its round's budget while others wait is evicted (its memory freed) and requeued with a
// doubled budget, so thousands of partitions run in bounded memory and every one gets its turn. It stops
// at the first illegal partition, and at the time limit (the clock is read between slices).
// It must never print, and never import a backend, the nemesis or the runner.

import type { Model, Operation } from "../models/model.js";
import type { Engine, PartitionSearch } from "./engine.js";
import type { PartitionResult, UnknownCause } from "./result.js";

export interface PartitionInput {
  key: string;
  operations: Operation[];
}

export interface ScheduleOptions {
  /** Wall-clock budget for the whole check, ms. */
  timeLimitMs: number;
  /** Most search steps one partition may take (in one run of its search). */
  maxSteps: number;
  /** Most memo entries one search may hold. */
  maxCacheEntries: number;
  /** Steps per slice: short, so the clock is read often. */
  sliceSteps: number;
  /** Most searches alive at once. */
  window: number;
  /** Steps a search may take in its first round before it yields its place to waiting partitions. */
  firstRoundSteps: number;
  /** The clock, ms (tests may pass their own). */
  now: () => number;
  /** When the check started, by `now`. */
  startedAt: number;
}

export interface ScheduleOutcome {
  partitions: PartitionResult[];
  /** The first illegal partition's input and its finished search (the caller disposes it). */
  illegal?: { input: PartitionInput; search: PartitionSearch };
}

interface Slot {
  index: number;
  search: PartitionSearch;
  roundBudget: number;
}

export function schedule(
  engine: Engine,
  model: Model,
  inputs: PartitionInput[],
  o: ScheduleOptions,
): ScheduleOutcome {
  const results: PartitionResult[] = inputs.map((p) => ({
    key: p.key,
    valid: "unknown",
    operations: p.operations.length,
    steps: 0,
  }));
  const budgets = inputs.map(() => o.firstRoundSteps);
  const pending: number[] = inputs.map((_, i) => i);
  const live: Slot[] = [];
  const deadline = o.startedAt + o.timeLimitMs;
  let pendingHead = 0;

  const finish = (slot: Slot, valid: PartitionResult["valid"], cause?: UnknownCause) => {
    const r = results[slot.index];
    r.valid = valid;
    if (cause) r.cause = cause;
    r.steps += slot.search.steps;
  };

  // Ends every search still alive or waiting: their verdict is unknown for `cause`.
  const stopAll = (cause: UnknownCause) => {
    for (const l of live) {
      finish(l, "unknown", cause);
      l.search.dispose();
    }
    live.length = 0;
    for (let k = pendingHead; k < pending.length; k++) results[pending[k]].cause = cause;
    pendingHead = pending.length;
  };

  try {
    for (;;) {
      // Fill the window.
      while (live.length < o.window && pendingHead < pending.length) {
        const index = pending[pendingHead++];
        const search = engine.start(model, inputs[index].operations, { maxCacheEntries: o.maxCacheEntries });
        live.push({ index, search, roundBudget: budgets[index] });
      }
      if (live.length === 0) break;
      // One slice for each live search, in turn.
      for (let s = 0; s < live.length; s++) {
        const slot = live[s];
        const used = slot.search.steps;
        const room = Math.min(o.sliceSteps, o.maxSteps - used);
        const status = room > 0 ? slot.search.run(room) : slot.search.status;
        let done = true;
        if (status === "illegal") {
          finish(slot, false);
          live.splice(s, 1);
          stopAll("cancelled");
          return { partitions: results, illegal: { input: inputs[slot.index], search: slot.search } };
        }
        if (status === "linearizable") finish(slot, true);
        else if (status === "memory-limit") finish(slot, "unknown", "memory-limit");
        else if (slot.search.steps >= o.maxSteps) finish(slot, "unknown", "step-limit");
        else if (slot.search.steps >= slot.roundBudget && pendingHead < pending.length) {
          // Yield the place to a waiting partition; come back later with twice the budget.
          results[slot.index].steps += slot.search.steps;
          budgets[slot.index] = slot.roundBudget * 2;
          pending.push(slot.index);
        } else done = false;
        if (done) {
          slot.search.dispose();
          live.splice(s, 1);
          s--;
        }
        if (o.now() >= deadline) {
          stopAll("time-limit");
          return { partitions: results };
        }
      }
    }
    return { partitions: results };
  } finally {
    for (const l of live) l.search.dispose();
  }
}
