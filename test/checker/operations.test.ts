// toOperations and realTimeEvents (checker/operations.ts) avoid general sorts when the history is in
// time order. This holds them to the plain definitions (pair, then sort by invoke; sort every call and
// return by time, index, kind) on random histories whose times tie, run backwards, or are missing (info,
// ops left open), and on operation lists in any order.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { realTimeEvents, toOperations } from "../../checker/operations.js";
import type { History, Op, OpType } from "../../histories/op.js";
import { getModel } from "../../models/index.js";
import type { Model, Operation } from "../../models/model.js";
import { readOp, shuffleBySwaps } from "./operation-builders.js";

const model = getModel("register");

/** The plain definition: pair each invoke with its process's next completion, drop fails, sort by invoke. */
function plainOperations(history: History, m: Model): Operation[] {
  const open = new Map<number, Op>();
  const out: Operation[] = [];
  const push = (op: Operation) => {
    const prepared = m.prepare ? m.prepare(op) : op;
    if (prepared) out.push(prepared);
  };
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") {
      open.set(op.process, op);
      continue;
    }
    const invoke = open.get(op.process)!;
    open.delete(op.process);
    if (op.type === "fail") continue;
    const info = op.type === "info";
    push({
      id: invoke.index,
      process: op.process,
      f: invoke.f,
      key: invoke.key,
      input: invoke.value,
      output: info ? undefined : op.value,
      indeterminate: info,
      invokeTime: invoke.time,
      completeTime: info ? Infinity : op.time,
      completeId: info ? undefined : op.index,
    });
  }
  for (const invoke of open.values()) {
    push({
      id: invoke.index,
      process: invoke.process as number,
      f: invoke.f,
      key: invoke.key,
      input: invoke.value,
      output: undefined,
      indeterminate: true,
      invokeTime: invoke.time,
      completeTime: Infinity,
    });
  }
  return out.sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
}

function plainEvents(ops: readonly Operation[]): number[] {
  const key = (e: number): [number, number] => {
    const op = ops[e >> 1];
    if ((e & 1) === 0) return [op.invokeTime, op.id];
    return [op.completeTime, op.completeId ?? (op.completeTime === Infinity ? op.id : Infinity)];
  };
  const all = ops.flatMap((_, i) => [2 * i, 2 * i + 1]);
  return all.sort((a, b) => {
    const [ta, ia] = key(a);
    const [tb, ib] = key(b);
    return ta - tb || ia - ib || (a & 1) - (b & 1) || a - b;
  });
}

/** Actions on up to 4 processes: invoke when idle, else complete; time steps of -1..3 (ties, going back). */
const historyArb = fc
  .array(
    fc.tuple(
      fc.nat(3),
      fc.integer({ min: -1, max: 3 }),
      fc.constantFrom<OpType>("ok", "ok", "ok", "info", "fail"),
      fc.nat(3),
    ),
    { maxLength: 40 },
  )
  .map((actions) => {
    const history: Op[] = [];
    const open = new Set<number>();
    let time = 100;
    for (const [proc, dt, type, v] of actions) {
      time += dt;
      const base = { index: history.length, time, process: proc };
      if (open.has(proc)) {
        open.delete(proc);
        history.push({ ...base, type, f: v % 2 === 0 ? "read" : "write", value: v });
      } else {
        open.add(proc);
        history.push({ ...base, type: "invoke", f: v % 2 === 0 ? "read" : "write", value: v });
      }
    }
    return history;
  });

describe("operations", () => {
  it("toOperations gives the plain definition's ops, in its order", () => {
    fc.assert(
      fc.property(historyArb, (history) => {
        // a completion's f must match its invoke's for a real history; here reads and writes pair freely,
        // which toOperations never looks at (it takes f from the invoke)
        expect(toOperations(history, model)).toEqual(plainOperations(history, model));
      }),
      { numRuns: 1000 },
    );
  });

  it("realTimeEvents orders like the plain sort, for sorted and shuffled operation lists", () => {
    fc.assert(
      fc.property(historyArb, fc.array(fc.nat(), { maxLength: 40 }), (history, swaps) => {
        const ops = toOperations(history, model);
        expect(Array.from(realTimeEvents(ops))).toEqual(plainEvents(ops));
        const shuffled = shuffleBySwaps(ops, swaps);
        expect(Array.from(realTimeEvents(shuffled))).toEqual(plainEvents(shuffled));
      }),
      { numRuns: 1000 },
    );
  });

  it("realTimeEvents falls back to the plain sort when returns are far out of order", () => {
    // 200 ops invoked in order whose returns come in reverse: past the insertion sort's budget
    const ops: Operation[] = [];
    for (let i = 0; i < 200; i++) ops.push(readOp(i, i, 1000 - i, 1000 - i));
    expect(Array.from(realTimeEvents(ops))).toEqual(plainEvents(ops));
  });
});
