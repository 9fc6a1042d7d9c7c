// The search core orders a partition's calls and returns itself, from the op records' times and ties
// (assembly/index.ts orderEvents). This holds that order to realTimeEvents (checker/operations.ts) on
// random histories with tied times, on operation lists out of invoke order (the core's merge sort), and
// on returns far out of order (past its insertion sort's budget).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { realTimeEvents, toOperations } from "../../checker/operations.js";
import { codecFor } from "../../checker/wasm/codecs/index.js";
import { loadSearchCore } from "../../checker/wasm/loader.js";
import { getModel } from "../../models/index.js";
import type { Operation } from "../../models/model.js";
import { readOp, shuffleBySwaps } from "./operation-builders.js";
import { historyArb, registerPlan, smallDt } from "./wasm-arbitraries.js";

const model = getModel("register", { initial: 0 });

/** The order the core computes (event codes, 2i call / 2i+1 return of ops[i]). */
function coreOrder(ops: Operation[]): number[] {
  const core = loadSearchCore();
  const enc = codecFor(model)!.encode(model, ops);
  expect(enc.orderInWasm).toBe(true);
  const ctx = core.create(enc.model, ops.length, enc.aux.length, enc.keys, 1000);
  try {
    const i32 = new Int32Array(core.memory.buffer);
    i32.set(enc.records, core.opsPointer(ctx) >> 2);
    i32.set(enc.aux, core.auxPointer(ctx) >> 2);
    core.start(ctx, enc.init[0], enc.init[1], enc.init[2], enc.init[3], 1, 0);
    const view = new Int32Array(core.memory.buffer);
    const base = core.orderPointer(ctx) >> 2;
    return Array.from(view.subarray(base, base + 2 * ops.length), (e) => e - 1);
  } finally {
    core.release(ctx);
  }
}

describe("wasm event order", () => {
  it("equals realTimeEvents on histories with tied times, in order and shuffled", () => {
    fc.assert(
      fc.property(
        historyArb(registerPlan, 40, smallDt),
        fc.array(fc.nat(), { maxLength: 30 }),
        (history, swaps) => {
          const ops = toOperations(history, model);
          expect(coreOrder(ops)).toEqual(Array.from(realTimeEvents(ops)));
          const shuffled = shuffleBySwaps(ops, swaps);
          expect(coreOrder(shuffled)).toEqual(Array.from(realTimeEvents(shuffled)));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("equals realTimeEvents when returns come in reverse, or at equal times with and without indexes", () => {
    const ops: Operation[] = [];
    for (let i = 0; i < 300; i++) {
      ops.push(readOp(i, i >> 2, i < 200 ? 1000 - i : 1000, i % 3 === 0 ? undefined : 2000 - i));
    }
    expect(coreOrder(ops)).toEqual(Array.from(realTimeEvents(ops)));
  });

  it("puts a call before a return that ties with it in time and index", () => {
    // op i returns at time 10 + i with completeId i + 1: the very time and index of op i + 1's call
    const ops: Operation[] = [];
    for (let i = 0; i < 20; i++) ops.push(readOp(i, 9 + i, 10 + i, i + 1));
    const order = coreOrder(ops);
    expect(order).toEqual(Array.from(realTimeEvents(ops)));
    expect(order.indexOf(2 * 1)).toBeLessThan(order.indexOf(2 * 0 + 1));
  });
});
