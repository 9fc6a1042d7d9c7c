// `npm run bench:checker`: measures the checker on every published history in ../shared/data and on the
// synthetic lease-lock histories, one child process per case and engine (a clean peak memory each), then
// prints the table and the targets and writes bench-results/checker.json. It runs the children one at a
// time (the machine is shared) and must never leave a child behind: each is killed, by its PID, on timeout.

import { spawn } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type BenchCase, projectRoot, publishedCases, syntheticCases } from "./cases.js";
import { RESULT_PREFIX, type WorkerRequest, type WorkerResult } from "./measure.js";
import { type CaseResult, computeTotals, renderTable, renderTotals } from "./report.js";

interface BenchOptions {
  runs: number;
  /** Untimed checks before the timed ones, per case and engine (the first is reported as the cold check). */
  warmup: number;
  /** The warm-up lasts at least this long (ms), in more checks when they are short. */
  warmupMs: number;
  warmupMaxMs: number;
  /**
   * A full collection, untimed, after every check (--gc; off by default: a forced collection made V8 drop
   * and recompile the TS engine's optimized code, over 300 checks of kv c10-ok 182 optimizations instead
   * of 42, which slowed the TS engine ~3x and flattered the wasm one).
   */
  gcBetween: boolean;
  /** Checks per engine of the 1,000,000-op history (each takes tens of seconds). */
  millionRuns: number;
  engines: ("wasm" | "ts")[];
  only?: RegExp;
  quick: boolean;
  skipMillion: boolean;
  timeLimitMs: number;
  out: string;
}

const DEFAULT_WARMUP = 3;
const DEFAULT_WARMUP_MS = 2_000;
const DEFAULT_WARMUP_MAX_MS = 10_000;

const USAGE = `usage: npm run bench:checker -- [--quick] [--only REGEX] [--runs N] [--warmup N] [--engines wasm,ts]
                                  [--skip-million] [--time-limit SECONDS] [--out FILE]
  --quick         only the cases with a target (etcd_002/040/080, kv c10, hopeless+illegal, 10k synthetic), 3 runs
  --only REGEX    only the cases whose name matches REGEX
  --runs N        timed checks per case and engine (median reported; default 5)
  --warmup N      untimed checks before them, the same for both engines (default ${DEFAULT_WARMUP}; the first
                  check of each process is still timed and reported as "cold"; the 1M-op history has none)
  --warmup-ms MS  and the warm-up goes on until it has lasted MS ms (default ${DEFAULT_WARMUP_MS}; at most 50000
                  checks): sub-millisecond checks need thousands of checks before V8 has optimized their code,
                  and etcd_002 with the TS engine gets faster only after ~35 checks (~1.6 s)
  --warmup-max-ms MS  then on until the check times have settled (the medians of the last two windows of
                  checks within 5%), for at most MS ms in all (default ${DEFAULT_WARMUP_MAX_MS})
  --gc            a full collection (untimed) after each check (default: none, so timed checks pay for
                  garbage collection as a long-running process does, and V8 keeps the code it optimized;
                  forcing one made V8 recompile the TS engine's code and slowed it ~3x)
  --engines LIST  wasm, ts or both (default wasm,ts)
  --skip-million  leave out the 1,000,000-op history
  --million-runs N  checks per engine of the 1,000,000-op history (default 3)
  --time-limit S  time limit of each check (default 120)
  --out FILE      where to write the JSON (default bench-results/checker.json)`;

function parseArgs(argv: string[], root: string): BenchOptions {
  const options: BenchOptions = {
    runs: 5,
    warmup: DEFAULT_WARMUP,
    warmupMs: DEFAULT_WARMUP_MS,
    warmupMaxMs: DEFAULT_WARMUP_MAX_MS,
    gcBetween: false,
    millionRuns: 3,
    engines: ["wasm", "ts"],
    quick: false,
    skipMillion: false,
    timeLimitMs: 120_000,
    out: join(root, "bench-results", "checker.json"),
  };
  let runsGiven = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      return v;
    };
    if (arg === "--quick") options.quick = true;
    else if (arg === "--skip-million") options.skipMillion = true;
    else if (arg === "--gc") options.gcBetween = true;
    else if (arg === "--no-gc") options.gcBetween = false;
    else if (arg === "--only") options.only = new RegExp(value());
    else if (arg === "--runs") {
      options.runs = Number(value());
      runsGiven = true;
      if (!Number.isInteger(options.runs) || options.runs < 1)
        throw new Error(`--runs must be a positive integer\n${USAGE}`);
    } else if (arg === "--warmup-ms") {
      options.warmupMs = Number(value());
      if (!(options.warmupMs >= 0)) throw new Error(`--warmup-ms must be a number >= 0\n${USAGE}`);
    } else if (arg === "--warmup-max-ms") {
      options.warmupMaxMs = Number(value());
      if (!(options.warmupMaxMs >= 0)) throw new Error(`--warmup-max-ms must be a number >= 0\n${USAGE}`);
    } else if (arg === "--warmup") {
      options.warmup = Number(value());
      if (!Number.isInteger(options.warmup) || options.warmup < 0)
        throw new Error(`--warmup must be a non-negative integer\n${USAGE}`);
    } else if (arg === "--million-runs") {
      options.millionRuns = Number(value());
      if (!Number.isInteger(options.millionRuns) || options.millionRuns < 1) {
        throw new Error(`--million-runs must be a positive integer\n${USAGE}`);
      }
    } else if (arg === "--engines") {
      const list = value().split(",");
      if (list.some((e) => e !== "wasm" && e !== "ts"))
        throw new Error(`--engines takes wasm and/or ts\n${USAGE}`);
      options.engines = list as ("wasm" | "ts")[];
    } else if (arg === "--time-limit") options.timeLimitMs = Number(value()) * 1000;
    else if (arg === "--out") options.out = resolve(value());
    else if (arg === "--help" || arg === "-h") {
      console.log(USAGE);
      process.exit(0);
    } else throw new Error(`unknown argument ${arg}\n${USAGE}`);
  }
  if (options.quick && !runsGiven) options.runs = 3;
  return options;
}

const QUICK = [
  /etcd_(002|040|080)\.log$/,
  /kv\/c10-(ok|bad)\.txt/,
  /hopeless\+illegal/,
  /synthetic\/lease 10k/,
];

function selectCases(all: BenchCase[], options: BenchOptions): BenchCase[] {
  return all.filter((c) => {
    if (options.skipMillion && c.group === "million") return false;
    if (options.quick && !QUICK.some((re) => re.test(c.id))) return false;
    if (options.only && !options.only.test(c.id)) return false;
    return true;
  });
}

/** Run one measurement in a child process; a child that outlives its budget is killed by its PID. */
function runWorker(request: WorkerRequest, budgetMs: number): Promise<WorkerResult> {
  const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));
  const args = ["--expose-gc", "--max-old-space-size=4096", workerPath, JSON.stringify(request)];
  return new Promise((resolvePromise) => {
    const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d) => {
      stdout += d;
    });
    child.stderr.on("data", (d) => {
      stderr += d;
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, budgetMs);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split("\n").find((l) => l.startsWith(RESULT_PREFIX));
      if (line) {
        resolvePromise(JSON.parse(line.slice(RESULT_PREFIX.length)) as WorkerResult);
        return;
      }
      const why = timedOut ? `killed after ${budgetMs} ms` : `exited with ${code ?? signal}`;
      resolvePromise({
        id: request.benchCase.id,
        engine: request.engine,
        error: `${why}: ${stderr.trim().split("\n").slice(-3).join(" | ")}`,
      } as WorkerResult);
    });
  });
}

function brief(r: WorkerResult): string {
  if (r.error) return `ERROR ${r.error.split("\n")[0]}`;
  const v = r.verdicts[0];
  const ms = (x: number) => (x < 10 ? x.toFixed(2) : x.toFixed(1));
  return `${v === true ? "true" : v === false ? "false" : `unknown(${r.causes[0]})`} ${ms(r.medianMs)} ms (cold ${ms(r.coldMs)} ms), RSS ${Math.round(r.peakRssMb)} MB`;
}

async function benchMain(): Promise<void> {
  const root = projectRoot();
  const options = parseArgs(process.argv.slice(2), root);
  const dataDir = resolve(root, "..", "shared", "data");
  if (!existsSync(join(dataDir, "porcupine", "expected.tsv"))) {
    throw new Error(`bench: the published histories are not at ${dataDir}`);
  }
  const workerPath = fileURLToPath(new URL("./worker.js", import.meta.url));
  if (!existsSync(workerPath)) throw new Error(`bench: ${workerPath} is missing; run npm run build first`);
  const cases = selectCases([...publishedCases(dataDir), ...syntheticCases()], options);
  console.log(
    `checker benchmark: ${cases.length} cases x ${options.engines.join("+")}; per case and engine, in a fresh process:` +
      ` at least ${options.warmup} untimed warm-up checks lasting at least ${options.warmupMs} ms in all and then until the times settle (at most ${options.warmupMaxMs} ms), then the median of ${options.runs} timed checks` +
      ` (the 1M-op history: no warm-up, median of ${Math.min(options.runs, options.millionRuns)});` +
      ` "cold" is the first check of the process (engine load and JIT warm-up included), timed apart;` +
      (options.gcBetween
        ? " a full collection (untimed) after every check (--gc)"
        : " no forced collection between checks"),
  );
  console.log(
    `machine: ${cpus().length} cores (${cpus()[0]?.model ?? "?"}), ${Math.round(totalmem() / 2 ** 30)} GB, node ${process.version}`,
  );
  const results: CaseResult[] = [];
  const started = Date.now();
  for (const [i, benchCase] of cases.entries()) {
    const entry: CaseResult = { benchCase };
    for (const engine of options.engines) {
      const million = benchCase.group === "million";
      const runs = million ? Math.min(options.runs, options.millionRuns) : options.runs;
      const warmup = million ? 0 : options.warmup;
      const request: WorkerRequest = {
        benchCase,
        engine,
        runs,
        warmup,
        warmupMs: million ? 0 : options.warmupMs,
        warmupMaxMs: million ? 0 : options.warmupMaxMs,
        gcBetween: options.gcBetween,
        timeLimitMs: options.timeLimitMs,
      };
      const budget = (runs + warmup) * options.timeLimitMs + options.warmupMaxMs + 120_000;
      const r = await runWorker(request, budget);
      entry[engine] = r;
      process.stderr.write(`[${i + 1}/${cases.length}] ${benchCase.id} ${engine}: ${brief(r)}\n`);
    }
    results.push(entry);
  }
  const totals = computeTotals(results);
  console.log("");
  console.log(renderTable(results));
  console.log("");
  console.log(renderTotals(totals));
  mkdirSync(dirname(options.out), { recursive: true });
  const json = {
    date: new Date().toISOString(),
    machine: {
      cores: cpus().length,
      cpu: cpus()[0]?.model,
      memoryGb: totalmem() / 2 ** 30,
      node: process.version,
    },
    runs: options.runs,
    warmup: options.warmup,
    warmupMs: options.warmupMs,
    warmupMaxMs: options.warmupMaxMs,
    gcBetween: options.gcBetween,
    millionRuns: options.millionRuns,
    timeLimitMs: options.timeLimitMs,
    note:
      "times: wall time of check() alone (parsing/generation excluded), ms. Per case and engine, in a fresh child" +
      " process: at least `warmup` untimed checks lasting at least `warmupMs` in all, then more until the times" +
      " settle (medians of the last two windows within 5%; at most `warmupMaxMs`; each case's own count is its" +
      " result's `warmup`, and `warmupSettled` says whether they settled), then `runs` timed ones (medianMs is their median); coldMs is the first" +
      " check of the process (engine load and JIT warm-up included). The 1M-op history: no warm-up. slowestFiles" +
      " ranks the published files by the slower of the two engines' medians. gcBetween: a full collection (untimed)" +
      " after every check. memory: peak RSS of the child process",
    cases: results.map((c) => ({ ...c.benchCase, wasm: c.wasm, ts: c.ts })),
    totals,
  };
  writeFileSync(options.out, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nwrote ${options.out} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  if (totals.errors.length > 0 || totals.wrongVerdicts.length > 0) process.exitCode = 1;
}

benchMain().catch((err) => {
  process.stderr.write(`bench:checker: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
