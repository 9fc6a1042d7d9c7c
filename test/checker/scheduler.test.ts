// The partition scheduler through check(): a hopeless partition cannot hide an easy illegal one (in
// either key order, with a wide or a one-search window), budgets give unknown with their cause (the time
// limit within 10%), false beats unknown, and thousands of partitions run in a bounded window.

import { describe, expect, it } from "vitest";
import { check, DEFAULT_SLICE_STEPS } from "../../checker/check.js";
import type { History } from "../../histories/op.js";
import { getModel } from "../../models/index.js";
import { buildHistory, type OpSpec } from "../models/history-builder.js";

/** Key "slow": 24 concurrent puts of distinct values, then a get of a value nobody put: the search must
 *  try every subset of the puts before it can say no (2^24 configurations), far beyond a short budget. */
function hopeless(key: string, p0: number): OpSpec[] {
  const ops: OpSpec[] = [];
  for (let i = 0; i < 24; i++) ops.push({ p: p0 + i, f: "put", key, in: `v${i}`, start: 0, end: 10 });
  ops.push({ p: p0 + 100, f: "get", key, out: "never", start: 20, end: 21 });
  return ops;
}

/** An easy illegal partition: put x, then a get of y. */
function easyIllegal(key: string, p0: number): OpSpec[] {
  return [
    { p: p0, f: "put", key, in: "x", start: 30, end: 31 },
    { p: p0 + 1, f: "get", key, out: "y", start: 32, end: 33 },
  ];
}

function history(first: OpSpec[], second: OpSpec[]): History {
  // The first list's ops come first in the history, so its key is the first partition.
  return buildHistory([...first, ...second.map((o) => ({ ...o, start: o.start + 100, end: o.end! + 100 }))]);
}

describe("scheduler", () => {
  const kv = () => getModel("kv");

  it.each([
    ["hopeless key first", true, 16],
    ["illegal key first", false, 16],
    ["hopeless key first, window of one search", true, 1],
  ])("a hopeless partition does not hide an illegal one: %s", (_name, hopelessFirst, window) => {
    const h = hopelessFirst
      ? history(hopeless("slow", 0), easyIllegal("bad", 500))
      : history(easyIllegal("bad", 500), hopeless("slow", 0));
    const result = check(h, kv(), { engine: "ts", timeLimitMs: 30_000, window });
    expect(result.valid).toBe(false);
    expect(result.counterexample?.key).toBe("bad");
    // Cancelled within the first round's budget, never searched to the time limit.
    expect(result.partitions.find((p) => p.key === "slow")!.steps).toBeLessThanOrEqual(
      DEFAULT_SLICE_STEPS * 50,
    );
    const slow = result.partitions.find((p) => p.key === "slow")!;
    expect(slow.valid).toBe("unknown");
    expect(slow.cause).toBe("cancelled");
  });

  it("the hopeless partition alone gives unknown at the time limit, within 10%", () => {
    const h = buildHistory(hopeless("slow", 0));
    const limit = 1_500;
    const result = check(h, kv(), { engine: "ts", timeLimitMs: limit });
    expect(result.valid).toBe("unknown");
    expect(result.cause).toBe("time-limit");
    expect(result.elapsedMs).toBeGreaterThanOrEqual(limit);
    expect(result.elapsedMs).toBeLessThan(limit * 1.1);
  });

  it("a step limit gives unknown with cause step-limit, and counts the steps", () => {
    const result = check(buildHistory(hopeless("slow", 0)), kv(), { engine: "ts", maxSteps: 5_000 });
    expect(result.valid).toBe("unknown");
    expect(result.cause).toBe("step-limit");
    expect(result.partitions[0].steps).toBe(5_000);
  });

  it("a memo limit gives unknown with cause memory-limit", () => {
    const result = check(buildHistory(hopeless("slow", 0)), kv(), { engine: "ts", maxCacheEntries: 1_000 });
    expect(result.valid).toBe("unknown");
    expect(result.cause).toBe("memory-limit");
  });

  it("false beats unknown: a step-limited partition and an illegal one give false", () => {
    const h = history(hopeless("slow", 0), easyIllegal("bad", 500));
    const result = check(h, kv(), { engine: "ts", maxSteps: 2_000, window: 1 });
    expect(result.valid).toBe(false);
    expect(result.partitions.find((p) => p.key === "slow")?.cause).toBe("step-limit");
  });

  it("thousands of partitions: all checked in a bounded window; one illegal among them decides", () => {
    const specs: OpSpec[] = [];
    for (let k = 0; k < 3000; k++) {
      const key = `k${k}`;
      specs.push({ p: 2 * k, f: "put", key, in: "x", start: k, end: k + 2 });
      specs.push({ p: 2 * k + 1, f: "get", key, out: "x", start: k + 3, end: k + 4 });
    }
    const good = check(buildHistory(specs), kv(), { engine: "ts", window: 8 });
    expect(good.valid).toBe(true);
    expect(good.partitions).toHaveLength(3000);
    expect(good.partitions.every((p) => p.valid === true)).toBe(true);
    specs[2 * 2999 + 1] = { ...specs[2 * 2999 + 1], out: "y" };
    const bad = check(buildHistory(specs), kv(), { engine: "ts", window: 8 });
    expect(bad.valid).toBe(false);
    expect(bad.counterexample?.key).toBe("k2999");
  });
});
