// Measurements of `npm run bench:locks` for one lock client: acquire latency called directly in-process
// and through a worker + the recorder, in alternation (the harness overhead is the median of the paired
// differences), and
// acquire+release cycles per second with many clients through the harness. Each client cycles on a key
// of its own, so the figure is the lock's throughput, not the contention's. Both sides of each comparison
// make the same adapter call (same request, same endpoints, same key scheme) after the same warm-up
// (connections, JIT): only the path differs. It must never be run by the test suite: it is slow on
// purpose and loads the machine.

import { join } from "node:path";
import type { LockClient } from "../../backends/adapter.js";
import type { Endpoints, LockDefinition } from "../../backends/registry.js";
import type { Host } from "../../nemesis/hosts.js";
import type { Ledger } from "../../nemesis/ledger.js";
import { RunnerClient } from "../client.js";
import { RunClock } from "../clock.js";
import { Recorder } from "../recorder.js";
import { ProtectedResource } from "../resource.js";
import { quantile } from "../summary.js";
import { WorkerProcess } from "../worker-process.js";
import { type CpuSplit, cpuPerCycle, cpuSnapshot } from "./cpu.js";
import { type WarmupRule, Window } from "./window.js";

export interface LatencyFigures {
  samples: number;
  p50Ms: number;
  p99Ms: number;
}

const TTL_MS = 2_000;
const TIMEOUT_MS = 2_000;
/**
 * Latency cycles run before measuring, on both sides alike (connections, JIT tiering). Steady state is what a
 * recording spends nearly all its time in; with 100 cycles both sides were still partly interpreted (here:
 * direct p50 ~0.35 ms, overhead 0.32-0.42 ms; with 1000: direct ~0.10 ms, overhead 0.04-0.20 ms).
 */
export const LATENCY_WARMUP_CYCLES = 1_000;

/**
 * Fewest warm-up cycles per client before a throughput window may open (window.ts `minCycles`), on both
 * sides alike. Each worker runs a tenth of the calls, so it tiers up a tenth as fast as one process running
 * all ten clients: traced with --trace-opt, a worker was still optimising functions ~30 s into a run, and the
 * old rule (two seconds in a row within 5%) opened the window after 3 s with workers at ~5 ms of CPU per
 * cycle, against ~1.6 ms once their code was optimised.
 */
export const THROUGHPUT_WARMUP_CYCLES_PER_CLIENT = 1_000;

function warmupFor(rule: WarmupRule, clients: number): WarmupRule {
  return { ...rule, minCycles: rule.minCycles ?? THROUGHPUT_WARMUP_CYCLES_PER_CLIENT * clients };
}

function figures(ns: number[]): LatencyFigures {
  return { samples: ns.length, p50Ms: quantile(ns, 0.5) / 1e6, p99Ms: quantile(ns, 0.99) / 1e6 };
}

export interface PairedLatency {
  direct: LatencyFigures;
  harness: LatencyFigures;
  /** Median of the per-pair differences (harness acquire - direct acquire), ms. */
  overheadP50Ms: number;
}

/**
 * Sequential acquire+release cycles on one key each, alternating: one in this process, then the same call
 * through one worker and the recorder, and again. Each pair runs back to back, so both sides see the same
 * machine (this VM's speed drifts by tens of percent from one minute to the next; run one after the other,
 * the two medians differed by that drift as much as by the harness). Latencies of the acquires, by this
 * process's clock for the direct side and the runner's clock for the harness side.
 */
export async function pairedAcquireLatency(ctx: HarnessContext, cycles: number): Promise<PairedLatency> {
  const direct: LockClient = await ctx.def.create(ctx.endpoints);
  const { clients, stop } = await startClients(ctx, 1, "latency.jsonl");
  const directNs: number[] = [];
  const harnessNs: number[] = [];
  const differences: number[] = [];
  try {
    for (let i = 0; i < cycles + LATENCY_WARMUP_CYCLES; i++) {
      const owner = `direct-${i}`;
      const t = process.hrtime.bigint();
      await direct.acquire({ key: "bench-direct", owner, ttlMs: TTL_MS, timeoutMs: TIMEOUT_MS });
      const directAcquireNs = Number(process.hrtime.bigint() - t);
      await direct.release({ key: "bench-direct", owner, timeoutMs: TIMEOUT_MS });
      const r = await cycle(clients[0], "bench-harness", `harness-${i}`);
      if (i < LATENCY_WARMUP_CYCLES) continue;
      directNs.push(directAcquireNs);
      harnessNs.push(r.acquireNs);
      differences.push(r.acquireNs - directAcquireNs);
    }
  } finally {
    await stop();
    await direct.close();
  }
  return {
    direct: figures(directNs),
    harness: figures(harnessNs),
    overheadP50Ms: quantile(differences, 0.5) / 1e6,
  };
}

/** `count` in-process clients cycling on their own keys: the machine's and the lock's limit, no harness. */
export async function directThroughput(
  def: LockDefinition,
  endpoints: Endpoints,
  count: number,
  seconds: number,
  warmup: WarmupRule,
  serverPids: () => (number | undefined)[] = () => [],
): Promise<{ cyclesPerSecond: number; cycles: number; cpuPerCycleMs: CpuSplit; warmup: Window["warmup"] }> {
  const clients = await Promise.all(Array.from({ length: count }, () => def.create(endpoints)));
  let cycles = 0;
  let elapsed = 0;
  const window = new Window(warmupFor(warmup, count), seconds);
  let cpuFrom: CpuSplit | undefined;
  let cpuTo: CpuSplit | undefined;
  window.atStart(() => {
    cpuFrom = cpuSnapshot(serverPids(), []);
  });
  try {
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0, t = window.next(); t !== undefined; n++, t = window.next()) {
          const key = `bench-direct-k${i}`;
          const owner = `d${i}-${n}`;
          try {
            await c.acquire({ key, owner, ttlMs: TTL_MS, timeoutMs: TIMEOUT_MS });
            await c.release({ key, owner, timeoutMs: TIMEOUT_MS });
            window.completed();
            if (window.counts(t)) cycles++;
          } catch {
            // a refused or lost cycle does not count
          }
        }
      }),
    );
    elapsed = window.finish();
    cpuTo = cpuSnapshot(serverPids(), []);
  } finally {
    await Promise.all(clients.map((c) => c.close()));
  }
  const cpu =
    cpuFrom && cpuTo ? cpuPerCycle(cpuFrom, cpuTo, cycles) : { serversMs: 0, workersMs: 0, runnerMs: 0 };
  return { cycles, cyclesPerSecond: cycles / elapsed, cpuPerCycleMs: cpu, warmup: window.warmup };
}

export interface HarnessContext {
  def: LockDefinition;
  lock: string;
  endpoints: Endpoints;
  ledger: Ledger;
  hosts: Host[];
  dir: string;
  /** The servers' pids now (for the CPU split; a restarted server has a new one). */
  serverPids: () => (number | undefined)[];
}

async function startClients(ctx: HarnessContext, count: number, historyName: string) {
  const workers = await Promise.all(
    ctx.hosts.slice(0, count).map((host, i) =>
      WorkerProcess.start({
        host,
        ledger: ctx.ledger,
        name: `bench client ${i}`,
        lock: ctx.lock,
        endpoints: ctx.endpoints,
        baseDir: process.cwd(),
      }),
    ),
  );
  const recorder = Recorder.open(join(ctx.dir, historyName), new RunClock());
  let next = count;
  const clientCtx = {
    recorder,
    resource: new ProtectedResource(false),
    freshProcess: () => next++,
    startWorker: async () => {
      throw new Error("the benchmark does not replace workers");
    },
    graceMs: 1_000,
  };
  const clients = workers.map((w, i) => new RunnerClient(i, i, w, clientCtx));
  const stop = async () => {
    await Promise.all(clients.map((c) => c.close().catch(() => {})));
    await Promise.all(workers.map((w) => w.kill().catch(() => {})));
    recorder.close();
  };
  return { clients, workers, recorder, stop };
}

async function cycle(
  c: RunnerClient,
  key: string,
  owner: string,
): Promise<{ ok: boolean; acquireNs: number }> {
  const a = await c.lock(
    "acquire",
    key,
    { owner, ttlMs: TTL_MS },
    { owner, ttlMs: TTL_MS, timeoutMs: TIMEOUT_MS },
  );
  if (a.type !== "ok") return { ok: false, acquireNs: a.completeTime - a.invokeTime };
  const r = await c.lock("release", key, { owner }, { owner, timeoutMs: TIMEOUT_MS });
  return { ok: r.type === "ok", acquireNs: a.completeTime - a.invokeTime };
}

export interface ThroughputFigures {
  clients: number;
  seconds: number;
  cycles: number;
  cyclesPerSecond: number;
  failedCycles: number;
  acquire: LatencyFigures;
  /** CPU per counted cycle in the measured window: servers, client workers, the runner. */
  cpuPerCycleMs: CpuSplit;
  /** How long the warm-up lasted and whether the rate was steady when it ended. */
  warmup: Window["warmup"];
}

/** `count` clients, each cycling on its own key for `seconds` (after a warm-up), through workers and the recorder. */
export async function harnessThroughput(
  ctx: HarnessContext,
  count: number,
  seconds: number,
  warmup: WarmupRule,
): Promise<ThroughputFigures> {
  const { clients, workers, stop } = await startClients(ctx, count, "throughput.jsonl");
  const ns: number[] = [];
  let cycles = 0;
  let failed = 0;
  let elapsed = 0;
  const window = new Window(warmupFor(warmup, count), seconds);
  const workerPids = workers.map((w) => w.pid);
  let cpuFrom: CpuSplit | undefined;
  let cpuTo: CpuSplit | undefined;
  window.atStart(() => {
    cpuFrom = cpuSnapshot(ctx.serverPids(), workerPids);
  });
  try {
    await Promise.all(
      clients.map(async (c, i) => {
        for (let n = 0, t = window.next(); t !== undefined; n++, t = window.next()) {
          const r = await cycle(c, `bench-k${i}`, `t${i}-${n}`);
          if (r.ok) window.completed();
          if (!window.counts(t)) continue;
          ns.push(r.acquireNs);
          if (r.ok) cycles++;
          else failed++;
        }
      }),
    );
    elapsed = window.finish();
    cpuTo = cpuSnapshot(ctx.serverPids(), workerPids);
  } finally {
    await stop();
  }
  return {
    warmup: window.warmup,
    cpuPerCycleMs:
      cpuFrom && cpuTo ? cpuPerCycle(cpuFrom, cpuTo, cycles) : { serversMs: 0, workersMs: 0, runnerMs: 0 },
    clients: count,
    seconds: elapsed,
    cycles,
    cyclesPerSecond: cycles / elapsed,
    failedCycles: failed,
    acquire: figures(ns),
  };
}
