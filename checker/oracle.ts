// The brute-force engine: tries every order of the operations that real time allows, with no memo and
// no cleverness, so that the real engines can be held against it on small histories (<= ~8 ops).
// It must never share search code with the engines it checks (only the real-time order of events).

import type { Model, Operation } from "../models/model.js";
import type { Engine, PartitionSearch, SearchStatus } from "./engine.js";
import { realTimeEvents } from "./operations.js";
import { blockingOperation, LongestPrefixes } from "./prefixes.js";

class OracleSearch implements PartitionSearch {
  status: SearchStatus = "running";
  steps = 0;
  private readonly events: Int32Array;
  private readonly prefixes = new LongestPrefixes();
  private readonly search: Generator<void, boolean>;

  constructor(
    private readonly model: Model<unknown>,
    private readonly ops: Operation[],
  ) {
    this.events = realTimeEvents(ops);
    const n = ops.length;
    // mustFollow[b] = the ops whose return comes before b's call: all of them must be placed before b.
    const position = new Int32Array(2 * n);
    this.events.forEach((e, k) => {
      position[e] = k;
    });
    const mustFollow: number[][] = [];
    for (let b = 0; b < n; b++) {
      mustFollow.push([]);
      for (let a = 0; a < n; a++) if (a !== b && position[2 * a + 1] < position[2 * b]) mustFollow[b].push(a);
    }
    this.search = this.explore(model.init(), [], new Array<boolean>(n).fill(false), mustFollow);
  }

  /** Depth-first over every placement; yields after each model step; returns whether one succeeded. */
  private *explore(
    state: unknown,
    path: number[],
    placed: boolean[],
    mustFollow: number[][],
  ): Generator<void, boolean> {
    if (this.ops.every((op, i) => placed[i] || op.indeterminate)) return true;
    for (let b = 0; b < this.ops.length; b++) {
      if (placed[b] || !mustFollow[b].every((a) => placed[a])) continue;
      this.steps++;
      const after = this.model.step(state, this.ops[b]);
      yield;
      if (after === undefined) continue;
      placed[b] = true;
      path.push(b);
      this.prefixes.reached(path.length);
      const ok = yield* this.explore(after, path, placed, mustFollow);
      if (ok) return true;
      this.prefixes.leaving(path, path.length, this.ops);
      path.pop();
      placed[b] = false;
    }
    return false;
  }

  run(maxSteps: number): SearchStatus {
    for (let i = 0; i < maxSteps && this.status === "running"; i++) {
      const r = this.search.next();
      if (r.done) this.status = r.value ? "linearizable" : "illegal";
    }
    return this.status;
  }

  longestPrefixes(limit: number): number[][] {
    return this.prefixes.take(limit);
  }

  failingOperation(): number {
    return blockingOperation(this.prefixes.found[0] ?? [], this.ops, this.events);
  }

  dispose(): void {}
}

export const oracleEngine: Engine = {
  name: "oracle",
  supports: () => true,
  start(model, operations) {
    return new OracleSearch(model as Model<unknown>, operations);
  },
};
