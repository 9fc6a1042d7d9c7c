// One benchmark measurement: load or generate one history, check it W times untimed (warm-up: the first of
// them, the process's cold check, is timed and reported apart), then N times timed, with one engine. It
// must never time the parsing or the generation, never drop the cold check from the result, and never print.

import { performance } from "node:perf_hooks";
import { loadHistory, parseValue } from "../../histories/load.js";
import type { History } from "../../histories/op.js";
import { getModel, type ModelOptions } from "../../models/index.js";
import { check } from "../check.js";
import type { Verdict } from "../result.js";
import type { BenchCase } from "./cases.js";
import { generateHopelessAndIllegal, generateLockHistory } from "./synthetic.js";
import { settled, warmMore } from "./warmup.js";

export const RESULT_PREFIX = "BENCH-RESULT ";

export interface WorkerRequest {
  benchCase: BenchCase;
  engine: "wasm" | "ts";
  /** Timed checks (the median is reported). */
  runs: number;
  /** Untimed checks before the timed ones; the first check of the process is still timed, as coldMs. */
  warmup: number;
  /**
   * And the warm-up goes on until it has lasted this long (ms; at most MAX_WARMUP_CHECKS checks): a check
   * of a small file takes well under a millisecond, and three of them leave V8 still optimizing the code
   * during the timed checks, so short cases get more warm-up checks, long ones no more than `warmup`.
   */
  warmupMs: number;
  /**
   * Then it goes on until the check times have settled (checker/bench/warmup.ts), for at most this long
   * (ms): V8 may still be optimizing after warmupMs (etcd_002 with the TS engine: ~45 ms a check for its
   * first ~35 checks, then ~24 ms).
   */
  warmupMaxMs: number;
  /**
   * A full collection (untimed) after every check, so no check pays for another's garbage. It is not
   * free for the next check: V8 re-optimizes code after it (kv c10-ok, one process, 300 checks with ts:
   * 182 optimizations with it, 42 without; the median of the last 5 checks: ts 1.5-2.0 ms vs 0.45,
   * wasm 0.45 vs 0.25).
   */
  gcBetween: boolean;
  timeLimitMs: number;
}

export interface WorkerResult {
  id: string;
  engine: "wasm" | "ts";
  /** Wall time of each timed check() call, ms (parsing and generation excluded; warm-ups excluded). */
  timesMs: number[];
  medianMs: number;
  /**
   * Wall time of the first check() of the process, ms: what a one-shot `locksmith check` pays once
   * (engine loading, compilation and JIT warm-up included). With no warm-up it is also timesMs[0].
   */
  coldMs: number;
  /** Untimed checks run before the timed ones (the first of them measured as coldMs). */
  warmup: number;
  /** Whether the warm-up ended with the times settled (false: it stopped at warmupMaxMs or the check cap). */
  warmupSettled: boolean;
  /** Whether a full collection ran (untimed) after every check. */
  gcBetween: boolean;
  /** The checker's own elapsedMs of each run. */
  reportedMs: number[];
  verdicts: Verdict[];
  causes: (string | undefined)[];
  /** The key of the failing partition, when false. */
  failingKey?: string;
  historyEntries: number;
  operations: number;
  partitions: number;
  /** Time to read or generate the history, ms (not part of the figures above). */
  loadMs: number;
  /** Peak resident set size of this process over its whole life (loading included), MB. */
  peakRssMb: number;
  /** RSS after loading, before the first check, MB. */
  rssBeforeCheckMb: number;
  /** V8 heap in use after the last check (before collection), MB. */
  heapAfterCheckMb: number;
  error?: string;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const MB = 1024 * 1024;

/** The history, and whether it is a Jepsen EDN file (Knossos's rule: a nil read says nothing). */
export async function obtainHistory(c: BenchCase): Promise<{ history: History; jepsenEdn: boolean }> {
  if (c.file) {
    const loaded = await loadHistory(c.file);
    return { history: loaded.history, jepsenEdn: loaded.format === "jepsen-edn" };
  }
  const spec = c.synthetic!;
  if (spec.kind === "hopeless-illegal") {
    const { history } = generateHopelessAndIllegal({
      indeterminate: spec.indeterminate ?? 64,
      hopelessFirst: spec.hopelessFirst ?? true,
    });
    return { history, jepsenEdn: false };
  }
  const { history } = generateLockHistory({
    seed: spec.seed ?? 1,
    operations: spec.operations ?? 1000,
    keys: spec.keys ?? 1,
    clients: spec.clients ?? 5,
    infoShare: spec.infoShare ?? 0,
    violations: spec.violations ?? 0,
  });
  return { history, jepsenEdn: false };
}

function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) gc();
}

/** The most warm-up checks a time-based warm-up runs. */
export const MAX_WARMUP_CHECKS = 50_000;

export async function measure(request: WorkerRequest): Promise<WorkerResult> {
  const c = request.benchCase;
  const loadStart = performance.now();
  const { history, jepsenEdn } = await obtainHistory(c);
  const loadMs = performance.now() - loadStart;
  const options: ModelOptions = {};
  if (c.init !== undefined) options.initial = parseValue(c.init);
  if (jepsenEdn) options.nilReadMatchesAny = true; // as `locksmith check` does for Jepsen EDN files
  const model = getModel(c.model, options);
  collectGarbage();
  const rssBeforeCheckMb = process.memoryUsage().rss / MB;
  const timesMs: number[] = [];
  const reportedMs: number[] = [];
  const verdicts: Verdict[] = [];
  const causes: (string | undefined)[] = [];
  let failingKey: string | undefined;
  let operations = 0;
  let partitions = 0;
  let heapAfterCheckMb = 0;
  const checkOnce = () =>
    check(history, model, {
      engine: request.engine,
      partition: c.partition,
      timeLimitMs: request.timeLimitMs,
    });
  let coldMs: number | undefined;
  const warmTimes: number[] = [];
  const rule = {
    minChecks: request.warmup,
    minMs: request.warmupMs,
    maxMs: Math.max(request.warmupMs, request.warmupMaxMs),
    maxChecks: MAX_WARMUP_CHECKS,
  };
  const warmupStart = performance.now();
  while (warmMore(rule, warmTimes, performance.now() - warmupStart)) {
    const t0 = performance.now();
    checkOnce();
    const elapsed = performance.now() - t0;
    coldMs ??= elapsed;
    warmTimes.push(elapsed);
    if (request.gcBetween) collectGarbage();
  }
  const warmups = warmTimes.length;
  const warmupSettled = warmups === 0 || settled(warmTimes);
  for (let run = 0; run < request.runs; run++) {
    const t0 = performance.now();
    const result = checkOnce();
    const elapsed = performance.now() - t0;
    coldMs ??= elapsed;
    timesMs.push(elapsed);
    heapAfterCheckMb = process.memoryUsage().heapUsed / MB;
    reportedMs.push(result.elapsedMs);
    verdicts.push(result.valid);
    causes.push(result.cause);
    failingKey = result.counterexample?.key;
    operations = result.partitions.reduce((s, p) => s + p.operations, 0);
    partitions = result.partitions.length;
    if (request.gcBetween) collectGarbage();
  }
  return {
    id: c.id,
    engine: request.engine,
    timesMs,
    medianMs: median(timesMs),
    coldMs: coldMs ?? Number.NaN,
    warmup: warmups,
    warmupSettled,
    gcBetween: request.gcBetween,
    reportedMs,
    verdicts,
    causes,
    failingKey,
    historyEntries: history.length,
    operations,
    partitions,
    loadMs,
    peakRssMb: (process.resourceUsage().maxRSS * 1024) / MB,
    rssBeforeCheckMb,
    heapAfterCheckMb,
  };
}
