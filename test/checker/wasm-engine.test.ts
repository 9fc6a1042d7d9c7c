// The wasm engine's own contract (checker/engine.ts): resumable runs give the answer of one long run,
// many searches live at once do not disturb each other, the cache limit gives "memory-limit", dispose
// frees the context (wasm memory stays bounded over many searches), and an illegal search names a
// failing op and longest prefixes made of the partition's own ops.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { PartitionSearch } from "../../checker/engine.js";
import { toOperations } from "../../checker/operations.js";
import { tsEngine } from "../../checker/ts-engine.js";
import { wasmEngine } from "../../checker/wasm/engine.js";
import { loadSearchCore } from "../../checker/wasm/loader.js";
import type { History, Op } from "../../histories/op.js";
import { getModel } from "../../models/index.js";
import type { Operation } from "../../models/model.js";
import { casRegisterPlan, historyArb, kvPlan, smallDt } from "./wasm-arbitraries.js";

const casRegister = getModel("cas-register", { initial: 0 });
const kvUnpartitioned = getModel("kv-unpartitioned");

/** n concurrent writes of distinct values, then reads: a history with a large search space. */
function wideRegisterHistory(writers: number, finalRead: number): History {
  const ops: Op[] = [];
  const push = (op: Omit<Op, "index">) => ops.push({ index: ops.length, ...op });
  for (let p = 0; p < writers; p++) push({ time: p, process: p, type: "invoke", f: "write", value: p + 1 });
  for (let p = 0; p < writers; p++) push({ time: 100 + p, process: p, type: "ok", f: "write", value: p + 1 });
  push({ time: 200, process: writers, type: "invoke", f: "read", value: null });
  push({ time: 201, process: writers, type: "ok", f: "read", value: finalRead });
  return ops;
}

function runInSlices(search: PartitionSearch, slice: number): string {
  let status = search.run(slice);
  let guard = 0;
  while (status === "running") {
    status = search.run(slice);
    if (++guard > 10_000_000) throw new Error("no progress");
  }
  return status;
}

describe("wasm engine", () => {
  it("gives the same verdict in slices of 1 and 7 steps as in one run, with many searches alive at once", () => {
    const model = casRegister;
    fc.assert(
      fc.property(
        fc.array(historyArb(casRegisterPlan, 30, smallDt), { minLength: 2, maxLength: 5 }),
        (histories) => {
          const opsList = histories.map((h) => toOperations(h, model));
          const whole = opsList.map((ops) => {
            const s = wasmEngine.start(model, ops, { maxCacheEntries: 1e6 });
            const v = s.run(Number.POSITIVE_INFINITY);
            s.dispose();
            return v;
          });
          // Interleave: all searches alive, one step each in turn.
          const live = opsList.map((ops) => wasmEngine.start(model, ops, { maxCacheEntries: 1e6 }));
          const statuses = live.map((s) => s.status);
          let running = true;
          while (running) {
            running = false;
            live.forEach((s, i) => {
              if (statuses[i] === "running") {
                statuses[i] = s.run(1);
                running ||= statuses[i] === "running";
              }
            });
          }
          for (const s of live) s.dispose();
          expect(statuses).toEqual(whole);
          const sliced = opsList.map((ops) => {
            const s = wasmEngine.start(model, ops, { maxCacheEntries: 1e6 });
            const v = runInSlices(s, 7);
            s.dispose();
            return v;
          });
          expect(sliced).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("counts steps and stops within the slice it is given", () => {
    const ops = toOperations(wideRegisterHistory(8, 3), casRegister);
    const search = wasmEngine.start(casRegister, ops, { maxCacheEntries: 1e6 });
    expect(search.run(5)).toBe("running");
    expect(search.steps).toBe(5);
    expect(search.run(3)).toBe("running");
    expect(search.steps).toBe(8);
    expect(runInSlices(search, 100)).toBe("linearizable");
    const total = search.steps;
    search.dispose();
    search.dispose();
    expect(search.steps).toBe(total);
  });

  it("stops with memory-limit when the cache is full, and the same search with room finishes", () => {
    const ops = toOperations(wideRegisterHistory(12, 99), casRegister);
    const small = wasmEngine.start(casRegister, ops, { maxCacheEntries: 50 });
    expect(small.run(Number.POSITIVE_INFINITY)).toBe("memory-limit");
    small.dispose();
    const roomy = wasmEngine.start(casRegister, ops, { maxCacheEntries: 1e7 });
    expect(roomy.run(Number.POSITIVE_INFINITY)).toBe("illegal");
    roomy.dispose();
  });

  it("names a failing op and longest prefixes drawn from the partition", () => {
    const ops = toOperations(wideRegisterHistory(5, 99), casRegister);
    const search = wasmEngine.start(casRegister, ops, { maxCacheEntries: 1e6 });
    expect(search.run(Number.POSITIVE_INFINITY)).toBe("illegal");
    const ids = new Set(ops.map((o: Operation) => o.id));
    const read = ops.find((o) => o.f === "read")!;
    expect(search.failingOperation()).toBe(read.id);
    const prefixes = search.longestPrefixes(3);
    expect(prefixes.length).toBeGreaterThan(0);
    expect(prefixes.length).toBeLessThanOrEqual(3);
    // Every write fits before the read; the read never does.
    expect(prefixes[0].length).toBe(5);
    for (const p of prefixes) {
      for (const id of p) expect(ids.has(id)).toBe(true);
      expect(p).not.toContain(read.id);
      expect(new Set(p).size).toBe(p.length);
    }
    search.dispose();
  });

  it("keeps wasm memory bounded over many searches that are disposed", () => {
    const core = loadSearchCore();
    const ops = toOperations(wideRegisterHistory(10, 99), casRegister);
    const run = () => {
      const s = wasmEngine.start(casRegister, ops, { maxCacheEntries: 1e7 });
      s.run(Number.POSITIVE_INFINITY);
      s.dispose();
    };
    for (let i = 0; i < 5; i++) run();
    const before = core.memoryBytes();
    for (let i = 0; i < 200; i++) run();
    expect(core.memoryBytes()).toBe(before);
  });

  it("checks kv unpartitioned with interned tuples like the TS engine", () => {
    fc.assert(
      fc.property(historyArb(kvPlan, 40, smallDt), (history) => {
        const ops = toOperations(history, kvUnpartitioned);
        const w = wasmEngine.start(kvUnpartitioned, ops, { maxCacheEntries: 1e6 });
        const t = tsEngine.start(kvUnpartitioned, ops, { maxCacheEntries: 1e6 });
        expect(w.run(Number.POSITIVE_INFINITY)).toBe(t.run(Number.POSITIVE_INFINITY));
        w.dispose();
        t.dispose();
      }),
      { numRuns: 300 },
    );
  });

  it("supports exactly the built-in models", () => {
    for (const name of [
      "register",
      "cas-register",
      "kv",
      "kv-unpartitioned",
      "multi-register",
      "mutex",
      "owner-mutex",
      "lease-lock",
    ]) {
      expect(wasmEngine.supports(getModel(name)), name).toBe(true);
    }
    const custom = { name: "my-counter", init: () => 0, step: (s: number) => s + 1, key: String };
    expect(wasmEngine.supports(custom)).toBe(false);
  });
});
