// Test helpers for the event-order tests (operations.test.ts, wasm-order.test.ts): a completed read op with
// given times, and a deterministic shuffle driven by fast-check's numbers. Test-only: never imported by
// production code.

import type { Operation } from "../../models/model.js";

/** Op `i` (its own process): a read of 0 invoked at `invokeTime`, returning at `completeTime`. */
export function readOp(i: number, invokeTime: number, completeTime: number, completeId?: number): Operation {
  return {
    id: i,
    process: i,
    f: "read",
    input: null,
    output: 0,
    indeterminate: false,
    invokeTime,
    completeTime,
    completeId,
  };
}

/** A copy of `list` with the pairs of positions named by `swaps` (taken modulo its length) exchanged. */
export function shuffleBySwaps<T>(list: readonly T[], swaps: readonly number[]): T[] {
  const out = [...list];
  for (let k = 0; k + 1 < swaps.length && out.length > 1; k += 2) {
    const a = swaps[k] % out.length;
    const b = swaps[k + 1] % out.length;
    [out[a], out[b]] = [out[b], out[a]];
  }
  return out;
}
