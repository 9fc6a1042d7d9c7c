// The checker benchmark's figures: the per-case table, the totals, and each target of issue 2 beside its
// figure (with Porcupine's as reference). Pure formatting and arithmetic over measured results: it must
// never measure anything itself.

import type { BenchCase, BenchGroup } from "./cases.js";
import type { WorkerResult } from "./measure.js";

export interface CaseResult {
  benchCase: BenchCase;
  wasm?: WorkerResult;
  ts?: WorkerResult;
}

export interface TargetLine {
  name: string;
  figure: string;
  target: string;
  reference?: string;
  /** undefined when the figure was not measured in this run. */
  pass?: boolean;
}

export interface SlowFile {
  id: string;
  wasmMs: number;
  tsMs: number;
  /** The first check of each engine's process (not part of the medians above). */
  wasmColdMs: number;
  tsColdMs: number;
  /** TS time / wasm time: how many times faster wasm is. */
  speedup: number;
}

export interface Totals {
  etcdLogs: number;
  etcdTotalMs: { wasm?: number; ts?: number };
  slowestFiles: SlowFile[];
  wrongVerdicts: string[];
  errors: string[];
  targets: TargetLine[];
}

function ms(x: number | undefined): string {
  if (x === undefined || Number.isNaN(x)) return "-";
  if (x < 10) return `${x.toFixed(2)} ms`;
  if (x < 1000) return `${x.toFixed(1)} ms`;
  return `${(x / 1000).toFixed(2)} s`;
}

function mb(x: number | undefined): string {
  return x === undefined ? "-" : `${Math.round(x)} MB`;
}

/** One verdict for a run of 5: the first, marked when the runs disagreed. */
function verdictOf(r: WorkerResult | undefined): string {
  if (!r) return "-";
  if (r.error) return "ERROR";
  const first = r.verdicts[0];
  const word = first === true ? "true" : first === false ? "false" : `unknown:${r.causes[0] ?? "?"}`;
  return r.verdicts.every((v) => v === first) ? word : `${word}*`;
}

function isWrong(c: CaseResult, r: WorkerResult | undefined): boolean {
  if (!r || r.error) return false;
  return r.verdicts.some((v) => v !== c.benchCase.expected);
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

function padLeft(s: string, n: number): string {
  return s.length >= n ? s : " ".repeat(n - s.length) + s;
}

export function renderTable(results: CaseResult[]): string {
  const header = [
    "case",
    "ops",
    "expect",
    "wasm",
    "wasm med",
    "wasm cold",
    "wasm RSS",
    "ts",
    "ts med",
    "ts cold",
    "ts RSS",
    "ts/wasm",
  ];
  const rows = results.map((c) => {
    const w = c.wasm;
    const t = c.ts;
    const ratio = w && t && !w.error && !t.error ? `${(t.medianMs / w.medianMs).toFixed(1)}x` : "-";
    const ops = w?.operations ?? t?.operations;
    return [
      c.benchCase.id,
      ops === undefined ? "-" : String(ops),
      String(c.benchCase.expected),
      verdictOf(w) + (isWrong(c, w) ? " WRONG" : ""),
      ms(w?.medianMs),
      ms(w?.coldMs),
      mb(w?.peakRssMb),
      verdictOf(t) + (isWrong(c, t) ? " WRONG" : ""),
      ms(t?.medianMs),
      ms(t?.coldMs),
      mb(t?.peakRssMb),
      ratio,
    ];
  });
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (cells: string[]) =>
    cells.map((cell, i) => (i === 0 ? pad(cell, widths[i]) : padLeft(cell, widths[i]))).join("  ");
  return [line(header), widths.map((w) => "-".repeat(w)).join("  "), ...rows.map(line)].join("\n");
}

function byGroup(results: CaseResult[], group: BenchGroup): CaseResult[] {
  return results.filter((c) => c.benchCase.group === group);
}

function find(results: CaseResult[], id: string): CaseResult | undefined {
  return results.find((c) => c.benchCase.id === id);
}

function ok(r: WorkerResult | undefined): r is WorkerResult {
  return r !== undefined && !r.error;
}

/**
 * The five published files that take longest to check: ranked by the slower of the two engines' medians
 * (engine-neutral: neither engine's speed decides which files it is judged on).
 */
export function fiveSlowestFiles(results: CaseResult[]): SlowFile[] {
  const slower = (c: CaseResult) => Math.max(c.wasm!.medianMs, c.ts!.medianMs);
  return results
    .filter((c) => c.benchCase.file && ok(c.wasm) && ok(c.ts))
    .sort((a, b) => slower(b) - slower(a))
    .slice(0, 5)
    .map((c) => ({
      id: c.benchCase.id,
      wasmMs: c.wasm!.medianMs,
      tsMs: c.ts!.medianMs,
      wasmColdMs: c.wasm!.coldMs,
      tsColdMs: c.ts!.coldMs,
      speedup: c.ts!.medianMs / c.wasm!.medianMs,
    }));
}

export function computeTotals(results: CaseResult[]): Totals {
  const targets: TargetLine[] = [];
  const etcd = byGroup(results, "etcd");
  const sum = (engine: "wasm" | "ts") =>
    etcd.every((c) => ok(c[engine])) && etcd.length > 0
      ? etcd.reduce((s, c) => s + c[engine]!.medianMs, 0)
      : undefined;
  const etcdTotalMs = { wasm: sum("wasm"), ts: sum("ts") };
  targets.push({
    name: `etcd logs: total of ${etcd.length} (wasm)`,
    figure: ms(etcdTotalMs.wasm),
    target: "<= 350 ms (52 logs)",
    reference: "Porcupine 420 ms",
    pass: etcdTotalMs.wasm === undefined || etcd.length !== 52 ? undefined : etcdTotalMs.wasm <= 350,
  });
  const porcupine: [string, number][] = [
    ["etcd_002", 388],
    ["etcd_040", 14],
    ["etcd_080", 11],
  ];
  for (const [name, ref] of porcupine) {
    const c = find(results, `porcupine/jepsen/${name}.log`);
    const w = c?.wasm;
    targets.push({
      name: `${name} (wasm)`,
      figure: ms(ok(w) ? w.medianMs : undefined),
      target: `<= ${ref} ms`,
      reference: `Porcupine ${ref} ms`,
      pass: ok(w) ? w.medianMs <= ref : undefined,
    });
  }
  for (const file of ["c10-ok", "c10-bad"]) {
    for (const partitioned of [true, false]) {
      const id = `porcupine/kv/${file}.txt${partitioned ? "" : " --no-partition"}`;
      const w = find(results, id)?.wasm;
      const limit = partitioned ? 15 : 3000;
      targets.push({
        name: `kv ${file} ${partitioned ? "partitioned" : "unpartitioned"} (wasm)`,
        figure: ms(ok(w) ? w.medianMs : undefined),
        target: `<= ${ms(limit)}`,
        reference: partitioned ? "Porcupine 1-12 ms" : "Porcupine 3.8-5.7 s",
        pass: ok(w) ? w.medianMs <= limit : undefined,
      });
    }
  }
  const slowestFiles = fiveSlowestFiles(results);
  for (const s of slowestFiles) {
    targets.push({
      name: `slowest: ${s.id}`,
      figure: `${s.speedup.toFixed(1)}x (median wasm ${ms(s.wasmMs)}, ts ${ms(s.tsMs)}; cold wasm ${ms(s.wasmColdMs)}, ts ${ms(s.tsColdMs)})`,
      target: "wasm >= 3x faster than ts, by medians; files ranked by the slower engine's median",
      pass: s.speedup >= 3,
    });
  }
  for (const c of byGroup(results, "million")) {
    for (const engine of ["wasm", "ts"] as const) {
      const r = c[engine];
      if (!r) continue;
      targets.push({
        name: `1M-op lease-lock (${engine})`,
        figure: ok(r)
          ? `${ms(r.medianMs)}, peak RSS ${mb(r.peakRssMb)} (history alone ${mb(r.rssBeforeCheckMb)})`
          : "ERROR",
        target: "<= 30 s and <= 2 GB",
        pass: ok(r)
          ? r.medianMs <= 30_000 && r.peakRssMb <= 2048 && r.verdicts.every((v) => v === true)
          : false,
      });
    }
  }
  for (const c of byGroup(results, "hopeless")) {
    for (const engine of ["wasm", "ts"] as const) {
      const r = c[engine];
      if (!r) continue;
      // The cold check counts too: a one-shot `locksmith check` pays it.
      const slowest = ok(r) ? Math.max(...r.timesMs, Number.isNaN(r.coldMs) ? 0 : r.coldMs) : Number.NaN;
      targets.push({
        name: `${c.benchCase.id.replace("synthetic/", "")} (${engine})`,
        figure: ok(r)
          ? `${verdictOf(r)} in ${ms(slowest)} (slowest of ${r.timesMs.length} and the cold check), failing key ${r.failingKey ?? "-"}`
          : "ERROR",
        target: "false in < 1 s",
        pass: ok(r) ? slowest < 1000 && r.verdicts.every((v) => v === false) : false,
      });
    }
  }
  const wrongVerdicts: string[] = [];
  const errors: string[] = [];
  for (const c of results) {
    for (const engine of ["wasm", "ts"] as const) {
      const r = c[engine];
      if (r?.error) errors.push(`${c.benchCase.id} (${engine}): ${r.error.split("\n")[0]}`);
      else if (isWrong(c, r))
        wrongVerdicts.push(
          `${c.benchCase.id} (${engine}): ${verdictOf(r)}, expected ${c.benchCase.expected}`,
        );
    }
  }
  return { etcdLogs: etcd.length, etcdTotalMs, slowestFiles, wrongVerdicts, errors, targets };
}

export function renderTotals(totals: Totals): string {
  const lines: string[] = [];
  lines.push(
    `etcd logs (${totals.etcdLogs}): total of medians wasm ${ms(totals.etcdTotalMs.wasm)}, ts ${ms(totals.etcdTotalMs.ts)}`,
  );
  lines.push("");
  lines.push("targets (issue 2):");
  const width = Math.max(...totals.targets.map((t) => t.name.length), 10);
  for (const t of totals.targets) {
    const mark = t.pass === undefined ? "n/a " : t.pass ? "PASS" : "FAIL";
    const ref = t.reference ? `  [${t.reference}]` : "";
    lines.push(`  ${mark}  ${pad(t.name, width)}  ${t.figure}  (target ${t.target})${ref}`);
  }
  lines.push("");
  lines.push(
    totals.wrongVerdicts.length === 0
      ? "verdicts: every measured case gave its expected verdict"
      : `verdicts: ${totals.wrongVerdicts.length} WRONG:\n  ${totals.wrongVerdicts.join("\n  ")}`,
  );
  if (totals.errors.length > 0)
    lines.push(`errors (${totals.errors.length}):\n  ${totals.errors.join("\n  ")}`);
  return lines.join("\n");
}
