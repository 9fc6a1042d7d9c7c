// `npm run bench:histories`: how fast the streaming JSONL reader loads a large history, next to the bare
// cost of splitting the same file and JSON.parse-ing each line (the floor any JSONL reader pays). It writes
// a generated file to a temp dir, removes it at the end (also on error), prints the figures and writes
// bench-results/histories.json. It must never be run inside the test suite: figures, not verdicts.
// Options: --ops N (default 1,000,000), --runs R (default 3, medians reported), --out FILE.

import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { performance } from "node:perf_hooks";
import { readJsonlHistory } from "../jsonl-reader.js";

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isInteger(value) || value <= 0) {
    process.stderr.write(`bench:histories: ${name} wants a positive integer, got "${process.argv[i + 1]}"\n`);
    process.exit(254);
  }
  return value;
}

/** A lock history of `n` lines: acquire invocations and completions of 50 clients on one key. */
function lockHistoryText(n: number): string {
  const parts: string[] = [];
  for (let i = 0; i < n; i++) {
    const p = ((i >> 1) % 50) + 50 * Math.floor(i / 100_000);
    const tail =
      i % 2 === 0
        ? `"type":"invoke","f":"acquire","key":"orders/123","value":{"owner":"c${p}","ttlMs":2000}}`
        : `"type":"ok","f":"acquire","key":"orders/123","value":{"owner":"c${p}","ttlMs":2000,"token":"${i}"}}`;
    parts.push(`{"index":${i},"time":${i * 100},"process":${p},${tail}`);
  }
  return `${parts.join("\n")}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

async function main(): Promise<void> {
  const ops = arg("--ops", 1_000_000);
  const runs = arg("--runs", 3);
  const outIndex = process.argv.indexOf("--out");
  const out = resolve(outIndex >= 0 ? process.argv[outIndex + 1] : "bench-results/histories.json");
  const dir = mkdtempSync(join(tmpdir(), "locksmith-bench-histories-"));
  try {
    const path = join(dir, "history.jsonl");
    writeFileSync(path, lockHistoryText(ops));
    const bareMs: number[] = [];
    const readerMs: number[] = [];
    const readerCpuMs: number[] = [];
    for (let r = 0; r < runs; r++) {
      const b0 = performance.now();
      let parsed = 0;
      for (const line of readFileSync(path, "utf8").split("\n"))
        if (line !== "") parsed += JSON.parse(line) ? 1 : 0;
      bareMs.push(performance.now() - b0);
      if (parsed !== ops) throw new Error(`bare parse saw ${parsed} lines, expected ${ops}`);

      const c0 = process.cpuUsage();
      const t0 = performance.now();
      const { history } = await readJsonlHistory(path);
      readerMs.push(performance.now() - t0);
      const cpu = process.cpuUsage(c0);
      readerCpuMs.push((cpu.user + cpu.system) / 1000);
      if (history.length !== ops)
        throw new Error(`the reader returned ${history.length} ops, expected ${ops}`);
    }
    const figures = {
      date: new Date().toISOString(),
      machine: { cpus: cpus().length, node: process.version },
      ops,
      runs,
      bareSplitParseMs: median(bareMs),
      readerMs: median(readerMs),
      readerCpuMs: median(readerCpuMs),
      readerOpsPerSecond: Math.round(ops / (median(readerMs) / 1000)),
      readerOverBare: median(readerMs) / median(bareMs),
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
    };
    process.stdout.write(
      `JSONL reader, ${ops} ops (median of ${runs}): ${figures.readerMs.toFixed(0)} ms wall, ` +
        `${figures.readerCpuMs.toFixed(0)} ms CPU, ${figures.readerOpsPerSecond} ops/s; ` +
        `bare split + JSON.parse ${figures.bareSplitParseMs.toFixed(0)} ms; ` +
        `reader/bare ${figures.readerOverBare.toFixed(2)}x; peak RSS ${figures.peakRssMb} MB\n`,
    );
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, `${JSON.stringify(figures, null, 2)}\n`);
    process.stdout.write(`figures written to ${out}\n`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
