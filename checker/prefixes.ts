// Keeps the longest linearizable prefixes a search reaches (Porcupine's partial linearizations) and
// finds the op no path got past. Shared by the TS engine and the oracle; it must never search itself.
// A path is copied only when the search is about to leave a record depth (never on the way down), so a
// search that runs straight to the end copies nothing.

import type { Operation } from "../models/model.js";

/** How many prefixes of the greatest length are kept. */
export const PREFIXES_KEPT = 8;

export class LongestPrefixes {
  length = 0;
  /** Starts with the empty prefix: when no op can be placed first, that is the longest. */
  found: number[][] = [[]];
  /** The current path is a record that has not been saved yet. */
  private pending = false;

  /** The search has just placed an op and is now `depth` ops deep. */
  reached(depth: number): void {
    if (depth > this.length) {
      this.length = depth;
      this.found = [];
      this.pending = true;
    } else if (depth === this.length && this.found.length < PREFIXES_KEPT) {
      this.pending = true;
    }
  }

  /** The search is about to undo the last op of the path stack[0..depth) (positions in `operations`). */
  leaving(stack: ArrayLike<number>, depth: number, operations: readonly Operation[]): void {
    if (!this.pending) return;
    this.pending = false;
    if (depth !== this.length) return;
    const ids = new Array<number>(depth);
    for (let i = 0; i < depth; i++) ids[i] = operations[stack[i]].id;
    this.found.push(ids);
  }

  take(limit: number): number[][] {
    return this.found.slice(0, Math.max(0, limit)).map((p) => p.slice());
  }
}

/**
 * The op that could not be linearized after `prefix` (a list of Operation ids): of the determinate ops
 * not in it, the one whose return comes first in real time. -1 when there is none.
 */
export function blockingOperation(
  prefix: readonly number[],
  operations: readonly Operation[],
  events: Int32Array,
): number {
  const placed = new Set(prefix);
  for (let k = 0; k < events.length; k++) {
    const e = events[k];
    if ((e & 1) === 0) continue;
    const op = operations[e >> 1];
    if (!op.indeterminate && !placed.has(op.id)) return op.id;
  }
  return -1;
}
