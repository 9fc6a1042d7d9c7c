// The checker benchmark's method (checker/bench/measure.ts, report.ts): warm-up checks are untimed but the
// process's first check is kept as the cold figure, and "the five slowest files" are ranked by the slower
// engine's median, so neither engine's speed picks the files it is judged on.

import { describe, expect, it } from "vitest";
import type { BenchCase } from "../../checker/bench/cases.js";
import { measure, type WorkerResult } from "../../checker/bench/measure.js";
import { type CaseResult, computeTotals, fiveSlowestFiles } from "../../checker/bench/report.js";

function fileCase(id: string): BenchCase {
  return {
    id,
    group: "knossos",
    file: `/data/${id}`,
    model: "cas-register",
    partition: true,
    expected: true,
  };
}

function result(id: string, engine: "wasm" | "ts", medianMs: number, coldMs = medianMs * 4): WorkerResult {
  return {
    id,
    engine,
    timesMs: [medianMs, medianMs, medianMs],
    medianMs,
    coldMs,
    warmup: 3,
    warmupSettled: true,
    gcBetween: true,
    reportedMs: [],
    verdicts: [true, true, true],
    causes: [],
    historyEntries: 0,
    operations: 0,
    partitions: 1,
    loadMs: 0,
    peakRssMb: 0,
    rssBeforeCheckMb: 0,
    heapAfterCheckMb: 0,
  };
}

function entry(id: string, wasmMs: number, tsMs: number): CaseResult {
  return { benchCase: fileCase(id), wasm: result(id, "wasm", wasmMs), ts: result(id, "ts", tsMs) };
}

describe("checker bench report", () => {
  it("ranks the five slowest files by the slower engine's median, whichever engine it is", () => {
    const results = [
      entry("a", 1, 40), // slow for ts only
      entry("b", 30, 2), // slow for wasm only
      entry("c", 5, 20),
      entry("d", 0.5, 10),
      entry("e", 8, 9),
      entry("f", 7, 1), // 7 ms at worst: sixth
      entry("g", 0.1, 0.2),
    ];
    const slowest = fiveSlowestFiles(results);
    expect(slowest.map((s) => s.id)).toEqual(["a", "b", "c", "d", "e"]);
    expect(slowest[0].speedup).toBe(40);
    expect(slowest[1].speedup).toBeCloseTo(2 / 30);
    expect(slowest[0].wasmColdMs).toBe(4);
    const totals = computeTotals(results);
    const lines = totals.targets.filter((t) => t.name.startsWith("slowest"));
    expect(lines.map((t) => t.pass)).toEqual([true, false, true, true, false]);
    expect(lines[0].figure).toContain("cold wasm");
    expect(lines[0].target).toContain("slower engine's median");
  });

  it("leaves synthetic cases and failed measurements out of the slowest files", () => {
    const synthetic: CaseResult = {
      benchCase: { id: "s", group: "synthetic", model: "lease-lock", partition: true, expected: true },
      wasm: result("s", "wasm", 100),
      ts: result("s", "ts", 900),
    };
    const failed = entry("x", 1, 500);
    failed.ts = { ...failed.ts!, error: "killed" };
    expect(fiveSlowestFiles([synthetic, failed, entry("y", 1, 2)]).map((s) => s.id)).toEqual(["y"]);
  });

  it("times the first check of the process apart and the warm-ups not at all", async () => {
    const benchCase: BenchCase = {
      id: "synthetic/small",
      group: "synthetic",
      synthetic: { kind: "lock", seed: 3, operations: 200, keys: 2, clients: 3 },
      model: "lease-lock",
      partition: true,
      expected: true,
    };
    const r = await measure({
      benchCase,
      engine: "ts",
      runs: 2,
      warmup: 2,
      warmupMs: 0,
      warmupMaxMs: 0,
      gcBetween: true,
      timeLimitMs: 60_000,
    });
    expect(r.timesMs).toHaveLength(2);
    expect(r.verdicts).toEqual([true, true]);
    expect(r.warmup).toBe(2);
    expect(r.coldMs).toBeGreaterThan(0);
    expect(r.timesMs).not.toContain(r.coldMs);
    const none = await measure({
      benchCase,
      engine: "ts",
      runs: 2,
      warmup: 0,
      warmupMs: 1_000,
      warmupMaxMs: 5_000,
      gcBetween: false,
      timeLimitMs: 60_000,
    });
    // no warm-up count means no warm-up at all, whatever its time
    expect(none.warmup).toBe(0);
    expect(none.coldMs).toBe(none.timesMs[0]);
    expect(none.gcBetween).toBe(false);
    // a time-based warm-up runs more checks than the count when they are short, and the cold one is first
    const timed = await measure({
      benchCase,
      engine: "ts",
      runs: 2,
      warmup: 1,
      warmupMs: 150,
      warmupMaxMs: 0,
      gcBetween: false,
      timeLimitMs: 60_000,
    });
    expect(timed.warmup).toBeGreaterThan(1);
    expect(timed.timesMs).toHaveLength(2);
    // and then on until the times settle, within warmupMaxMs
    const settling = await measure({
      benchCase,
      engine: "ts",
      runs: 2,
      warmup: 1,
      warmupMs: 0,
      warmupMaxMs: 20_000,
      gcBetween: false,
      timeLimitMs: 60_000,
    });
    expect(settling.warmupSettled).toBe(true);
    expect(settling.warmup).toBeGreaterThanOrEqual(10); // two windows of at least 5 checks
  });
});
