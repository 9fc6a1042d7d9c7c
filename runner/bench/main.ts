// `npm run bench:locks`: for each lock client, start its topology (timed: "cluster start"), then print
// acquire latency p50/p99 called directly and through a worker + the recorder, in alternation (the harness
// overhead is the median of the paired differences), and acquire+release cycles per second with 10
// clients on 10 keys.
// Targets (issue 5): overhead <= 0.2 ms at p50; etcd-cas >= 500 and redis-single >= 4,000 cycles/s;
// cluster start <= 3 s. Everything it starts goes through a ledger and is torn down, also on Ctrl-C.
// Latencies are taken after LATENCY_WARMUP_CYCLES cycles and throughput after a warm-up that lasts until the
// rate is steady (window.ts), on both the direct and the harness side alike, so the figures are steady-state
// ones (connections open, JIT done); the warm-up each took is printed. Options: --locks a,b,c (default: all
// eight), --seconds S (throughput window, default 5), --warmup S (shortest warm-up, default 3), --warmup-max
// S (longest, default 60), --warmup-cycles N (fewest warm-up cycles per client, default 1000), --cycles N
// (latency samples, default 300), --json FILE.

import { randomBytes } from "node:crypto";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { LocalProvisioner } from "../../backends/provisioner.js";
import { builtinLockNames, resolveLock } from "../../backends/registry.js";
import { teardownOnSignals, undoLive } from "../../nemesis/cleanup.js";
import type { Host } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";
import { clientEndpoints, provisionTopology } from "../topology.js";
import type { CpuSplit } from "./cpu.js";
import {
  directThroughput,
  harnessThroughput,
  type LatencyFigures,
  pairedAcquireLatency,
  type ThroughputFigures,
} from "./measure.js";
import { DEFAULT_WARMUP, type WarmupRule } from "./window.js";

interface LockBench {
  lock: string;
  topology: string;
  clusterStartMs: number;
  direct: LatencyFigures;
  harness: LatencyFigures;
  overheadP50Ms: number;
  throughput: ThroughputFigures;
  /** The same 10 clients in this process, without workers or recorder. */
  directCyclesPerSecond: number;
  directCpuPerCycleMs: CpuSplit;
  directWarmup: ThroughputFigures["warmup"];
}

const TARGETS: Record<string, number> = { "etcd-cas": 500, "redis-single": 4_000 };

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function benchOne(
  lock: string,
  seconds: number,
  warmup: WarmupRule,
  cycles: number,
): Promise<LockBench> {
  const def = await resolveLock(lock);
  const runId = `bench-${lock}-${randomBytes(3).toString("hex")}`;
  const ledger = new Ledger(runId);
  let provisioner: LocalProvisioner | undefined;
  const teardown = async () => {
    await provisioner?.stop().catch(() => {});
    await undoLive(ledger);
    ledger.close();
  };
  const removeHandlers = teardownOnSignals(teardown);
  try {
    provisioner = await LocalProvisioner.create({ runId, ledger });
    const t0 = process.hrtime.bigint();
    const deployment = await provisioner.start(provisionTopology(def.topology));
    const clusterStartMs = Number(process.hrtime.bigint() - t0) / 1e6;
    const endpoints = clientEndpoints(def.topology, deployment);
    const hosts: Host[] = [];
    for (let i = 0; i < 10; i++) hosts.push(await provisioner.network.addHost(`b${i}`));
    const serverPids = () => deployment.servers.map((s) => s.pid);
    const ctx = { def, lock, endpoints, ledger, hosts, dir: provisioner.dir, serverPids };
    const { direct, harness, overheadP50Ms } = await pairedAcquireLatency(ctx, cycles);
    const throughput = await harnessThroughput(ctx, 10, seconds, warmup);
    const directTp = await directThroughput(def, endpoints, 10, seconds, warmup, serverPids);
    return {
      lock,
      topology: def.topology,
      clusterStartMs,
      direct,
      harness,
      overheadP50Ms,
      throughput,
      directCyclesPerSecond: directTp.cyclesPerSecond,
      directCpuPerCycleMs: directTp.cpuPerCycleMs,
      directWarmup: directTp.warmup,
    };
  } finally {
    await teardown();
    removeHandlers();
  }
}

function row(b: LockBench): string {
  const target = TARGETS[b.lock];
  const mark =
    target === undefined
      ? ""
      : b.throughput.cyclesPerSecond >= target
        ? ` (>= ${target} ok)`
        : ` (< ${target} MISSED)`;
  return [
    b.lock.padEnd(16),
    `start ${(b.clusterStartMs / 1000).toFixed(2)} s${b.clusterStartMs <= 3000 ? "" : " (> 3 s)"}`.padEnd(16),
    `direct p50/p99 ${b.direct.p50Ms.toFixed(3)}/${b.direct.p99Ms.toFixed(3)} ms`.padEnd(32),
    `harness p50/p99 ${b.harness.p50Ms.toFixed(3)}/${b.harness.p99Ms.toFixed(3)} ms`.padEnd(33),
    `overhead p50 ${b.overheadP50Ms.toFixed(3)} ms${b.overheadP50Ms <= 0.2 ? "" : " (> 0.2)"}`.padEnd(28),
    `${b.throughput.cyclesPerSecond.toFixed(0)} cycles/s (10 clients, 10 keys)${mark}`,
    `[in-process: ${b.directCyclesPerSecond.toFixed(0)} cycles/s]`,
  ].join("  ");
}

function cpuRow(b: LockBench): string {
  const split = (c: CpuSplit, clients: string) =>
    `servers ${c.serversMs.toFixed(2)}, ${clients} ${c.workersMs.toFixed(2)}, runner ${c.runnerMs.toFixed(2)}`;
  const warm = (w: ThroughputFigures["warmup"]) =>
    w ? `${w.seconds.toFixed(0)} s${w.steady ? "" : " (not steady)"}` : "-";
  return `${"".padEnd(16)}  warm-up harness ${warm(b.throughput.warmup)}, in-process ${warm(b.directWarmup)}; CPU ms per cycle: harness ${split(b.throughput.cpuPerCycleMs, "workers")}; in-process ${split(b.directCpuPerCycleMs, "-")}`;
}

async function main(): Promise<void> {
  const locks = (arg("--locks") ?? builtinLockNames().join(",")).split(",").filter(Boolean);
  const seconds = Number(arg("--seconds") ?? 5);
  const warmup: WarmupRule = {
    ...DEFAULT_WARMUP,
    minSeconds: Number(arg("--warmup") ?? DEFAULT_WARMUP.minSeconds),
    maxSeconds: Number(arg("--warmup-max") ?? DEFAULT_WARMUP.maxSeconds),
    minCycles: arg("--warmup-cycles") === undefined ? undefined : Number(arg("--warmup-cycles")),
  };
  const cycles = Number(arg("--cycles") ?? 300);
  const results: LockBench[] = [];
  for (const lock of locks) {
    process.stderr.write(`bench ${lock}...\n`);
    const b = await benchOne(lock, seconds, warmup, cycles);
    results.push(b);
    process.stdout.write(`${row(b)}\n${cpuRow(b)}\n`);
  }
  const json = arg("--json");
  if (json) {
    mkdirSync(dirname(resolve(json)), { recursive: true });
    writeFileSync(json, `${JSON.stringify(results, null, 2)}\n`);
  }
}

main().catch((err) => {
  process.stderr.write(`bench:locks failed: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exitCode = 1;
});
