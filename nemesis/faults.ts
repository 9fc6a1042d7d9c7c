// The faults of the catalogue (DESIGN.md section 7) as start/stop pairs over a run's topology. A fault's
// `start` acts, and returns what to record and how to stop it; `stop` undoes exactly what that start did.
// Each says when it cannot run here (`unsupported`), so schedules skip it and doctor explains it.
// It must never act on a process or host outside the topology it is given, and never draw randomness from
// anything but the context's seeded rng.

import type { ClockControl } from "./clock.js";
import type { LinkDelay } from "./delay.js";
import type { RedisFailover } from "./failover.js";
import {
  bridge,
  clientsFromServers,
  describeGrudge,
  type Grudge,
  isolate,
  majoritiesRing,
  oneWay,
  type Rng,
  randomHalves,
  shuffle,
} from "./grudge.js";
import { type MidSectionGate, WRITER_WAIT_MS } from "./holder-pause.js";
import type { Partitioner } from "./partition.js";
import type { Pauser } from "./pause.js";
import { type NemesisTopology, NoTargetError, resolveTargets, type TargetSelector } from "./targets.js";

export const FAULT_NAMES = [
  "kill",
  "pause",
  "partition",
  "loss",
  "delay",
  "clock",
  "failover",
  "client-pause",
] as const;
export type FaultName = (typeof FAULT_NAMES)[number];

/** Knobs of the faults (defaults suit lock TTLs of a few seconds). */
export interface FaultOptions {
  lossProbability: number;
  delayMs: number;
  jitterMs: number;
  /** Clock jumps are drawn from ±[min, max] ms. */
  clockJumpMs: { min: number; max: number };
  /** Which way clock jumps go (default both); strobes happen only with "both". */
  clockDirection: "forward" | "back" | "both";
  strobe: { deltaMs: number; periodMs: number };
  /** Health deadline for restarts. */
  restartTimeoutMs: number;
}

export const DEFAULT_FAULT_OPTIONS: FaultOptions = {
  lossProbability: 0.3,
  delayMs: 100,
  jitterMs: 20,
  clockJumpMs: { min: 5_000, max: 30_000 },
  clockDirection: "both",
  strobe: { deltaMs: 10_000, periodMs: 50 },
  restartTimeoutMs: 15_000,
};

/** Everything a fault may use. Optional parts are absent where the machine or the run cannot have them. */
export interface NemesisContext {
  topology: NemesisTopology;
  rng: Rng;
  pauser: Pauser;
  partitioner?: Partitioner;
  clock?: ClockControl;
  delay?: LinkDelay;
  failover?: RedisFailover;
  options: FaultOptions;
}

/** A fault that has started: what to record, and how to stop it. */
export interface ActiveFault {
  fault: FaultName;
  /** The start op's `f` and `value`. */
  f: string;
  value: Record<string, unknown>;
  /** The stop op's `f`. */
  stopF: string;
  /** Undoes this start; resolves with the stop op's value. */
  stop(): Promise<Record<string, unknown>>;
}

export interface Fault {
  name: FaultName;
  /** Why it cannot run in this context, or undefined when it can. */
  unsupported(ctx: NemesisContext): string | undefined;
  /** Starts the fault; `target` overrides the fault's own choice. Throws NoTargetError when there is none. */
  start(ctx: NemesisContext, target?: TargetSelector): Promise<ActiveFault>;
}

const pick = <T>(items: readonly T[], rng: Rng): T => items[Math.floor(rng() * items.length)];

function server(ctx: NemesisContext, name: string) {
  const s = ctx.topology.servers.find((x) => x.name === name);
  if (!s) throw new NoTargetError(`no server named ${name}`);
  return s;
}

/** Host name of a server or client target. */
function hostOf(ctx: NemesisContext, name: string): string {
  const t =
    ctx.topology.servers.find((x) => x.name === name) ?? ctx.topology.clients.find((x) => x.name === name);
  if (!t) throw new NoTargetError(`no target named ${name}`);
  return t.host.name;
}

function hostGrudge(ctx: NemesisContext, g: Grudge): Grudge {
  return new Map([...g].map(([k, v]) => [hostOf(ctx, k), new Set([...v].map((x) => hostOf(ctx, x)))]));
}

/** The default server selector: the leader or primary half the time, where there is one. */
async function defaultServers(ctx: NemesisContext, target?: TargetSelector): Promise<string[]> {
  if (target) return resolveTargets(target, ctx.topology, ctx.rng);
  const special =
    ctx.topology.system === "etcd"
      ? "leader"
      : ctx.topology.system === "redis-replicated"
        ? "primary"
        : "one";
  const sel = ctx.rng() < 0.5 ? special : "one";
  return resolveTargets(sel, ctx.topology, ctx.rng).catch(() => resolveTargets("one", ctx.topology, ctx.rng));
}

const namespacesNeeded = (ctx: NemesisContext) =>
  ctx.partitioner ? undefined : "needs namespaced hosts (root on Linux with iproute2 and iptables)";

export const killFault: Fault = {
  name: "kill",
  unsupported: (ctx) => (ctx.topology.servers.length ? undefined : "no servers of the run to kill"),
  async start(ctx, target) {
    const targets = await defaultServers(ctx, target);
    for (const n of targets) await server(ctx, n).kill();
    return {
      fault: "kill",
      f: "kill",
      value: { targets },
      stopF: "restart",
      async stop() {
        for (const n of targets)
          await server(ctx, n).restart({ healthTimeoutMs: ctx.options.restartTimeoutMs });
        return { targets };
      },
    };
  },
};

function pauseFault(name: "pause" | "client-pause"): Fault {
  return {
    name,
    unsupported: (ctx) =>
      name === "pause"
        ? ctx.topology.servers.length
          ? undefined
          : "no servers of the run"
        : ctx.topology.clients.length
          ? undefined
          : "no client processes in this run",
    async start(ctx, target) {
      const gate = name === "client-pause" && (target ?? "holder") === "holder" && ctx.topology.midSection;
      if (gate) return pauseMidSection(gate, ctx.pauser);
      const targets =
        name === "pause"
          ? await defaultServers(ctx, target)
          : await resolveTargets(target ?? "holder", ctx.topology, ctx.rng).catch(() =>
              resolveTargets("client", ctx.topology, ctx.rng),
            );
      const pids: number[] = [];
      for (const n of targets) {
        const t =
          ctx.topology.servers.find((x) => x.name === n) ?? ctx.topology.clients.find((x) => x.name === n);
        if (t?.pid !== undefined && ctx.pauser.pause(t.pid)) pids.push(t.pid);
      }
      if (pids.length === 0) throw new NoTargetError(`none of ${targets.join(", ")} is running`);
      return {
        fault: name,
        f: "pause",
        value: { targets, pids },
        stopF: "resume",
        async stop() {
          const pausedMs = pids.map((p) => ctx.pauser.resume(p) ?? 0);
          return { targets, pausedMs: Math.max(...pausedMs) };
        },
      };
    },
  };
}
/** `client-pause` of the holder in the middle of its critical section (nemesis/holder-pause.ts). */
async function pauseMidSection(gate: MidSectionGate, pauser: Pauser): Promise<ActiveFault> {
  const w = await gate.pauseNextWriter((pid) => pauser.pause(pid), WRITER_WAIT_MS);
  if (!w) throw new NoTargetError(`no client wrote under a lock within ${WRITER_WAIT_MS} ms`);
  return {
    fault: "client-pause",
    f: "pause",
    value: { targets: [w.name], pids: [w.pid], holder: "mid-section" },
    stopF: "resume",
    async stop() {
      return { targets: [w.name], pausedMs: pauser.resume(w.pid) ?? 0 };
    },
  };
}
export const serverPauseFault = pauseFault("pause");
export const clientPauseFault = pauseFault("client-pause");

/** A random partition shape that fits the topology. */
async function choosePartition(ctx: NemesisContext): Promise<{ shape: string; grudge: Grudge }> {
  const servers = ctx.topology.servers.map((s) => s.name);
  const clients = ctx.topology.clients.filter((c) => c.host.netns).map((c) => c.name);
  const shapes: string[] = [];
  if (servers.length >= 2) shapes.push("isolate", "halves");
  if (servers.length >= 3) shapes.push("bridge", "one-way");
  if (servers.length >= 4) shapes.push("majorities-ring");
  if (clients.length > 0) shapes.push("clients-servers");
  if (shapes.length === 0) throw new NoTargetError("too few namespaced hosts to partition");
  const shape = pick(shapes, ctx.rng);
  switch (shape) {
    case "isolate": {
      const [victim] = await defaultServers(ctx);
      return { shape: `isolate ${victim}`, grudge: isolate(servers, victim) };
    }
    case "halves":
      return { shape, grudge: randomHalves(servers, ctx.rng) };
    case "bridge":
      return { shape, grudge: bridge(servers, ctx.rng) };
    case "majorities-ring":
      return { shape, grudge: majoritiesRing(servers, ctx.rng) };
    case "one-way": {
      const [a, b] = shuffle(servers, ctx.rng);
      return { shape: `one-way ${a}->${b}`, grudge: oneWay(a, b) };
    }
    default: {
      const some = shuffle(clients, ctx.rng).slice(0, Math.max(1, Math.floor(clients.length / 2)));
      return { shape, grudge: clientsFromServers(some, servers) };
    }
  }
}

export const partitionFault: Fault = {
  name: "partition",
  unsupported: namespacesNeeded,
  async start(ctx, target) {
    const chosen = target
      ? {
          shape: "isolate",
          grudge: isolate(
            ctx.topology.servers.map((s) => s.name),
            (await resolveTargets(target, ctx.topology, ctx.rng))[0],
          ),
        }
      : await choosePartition(ctx);
    const hg = hostGrudge(ctx, chosen.grudge);
    await ctx.partitioner!.partition(hg);
    return {
      fault: "partition",
      f: "partition",
      value: { shape: chosen.shape, grudge: describeGrudge(chosen.grudge) },
      stopF: "heal",
      async stop() {
        await ctx.partitioner!.unpartition(hg);
        return { shape: chosen.shape };
      },
    };
  },
};

export const lossFault: Fault = {
  name: "loss",
  unsupported: namespacesNeeded,
  async start(ctx, target) {
    const targets = await resolveTargets(target ?? (ctx.rng() < 0.5 ? "one" : "all"), ctx.topology, ctx.rng);
    const hosts = targets.map((t) => hostOf(ctx, t));
    const p = ctx.options.lossProbability;
    await ctx.partitioner!.loss(hosts, p);
    return {
      fault: "loss",
      f: "loss",
      value: { targets, probability: p },
      stopF: "heal-loss",
      async stop() {
        await ctx.partitioner!.unloss(hosts, p);
        return { targets };
      },
    };
  },
};

export const delayFault: Fault = {
  name: "delay",
  unsupported: (ctx) =>
    !ctx.delay
      ? "no delay mechanism in this run (needs namespaced hosts)"
      : ctx.delay.mechanism === "proxy" && ctx.delay.targets().length === 0
        ? "no server is fronted by the delay proxy"
        : undefined,
  async start(ctx, target) {
    const d = ctx.delay!;
    const fronted = d.mechanism === "proxy" ? d.targets() : ctx.topology.servers.map((s) => s.name);
    const chosen = target
      ? await resolveTargets(target, ctx.topology, ctx.rng)
      : ctx.rng() < 0.5
        ? fronted
        : [pick(fronted, ctx.rng)];
    const targets = chosen.filter((n) => fronted.includes(n));
    if (targets.length === 0) throw new NoTargetError(`none of ${chosen.join(", ")} is fronted`);
    const latencyMs = ctx.options.delayMs;
    const jitterMs = ctx.options.jitterMs;
    for (const n of targets) {
      const s = server(ctx, n);
      await d.delay({ name: n, host: s.host, port: s.port }, { latencyMs, jitterMs });
    }
    return {
      fault: "delay",
      f: "delay",
      value: { targets, latencyMs, jitterMs, mechanism: d.mechanism },
      stopF: "heal-delay",
      async stop() {
        for (const n of targets) {
          const s = server(ctx, n);
          await d.delay(
            { name: n, host: s.host, port: s.port },
            { latencyMs: 0, jitterMs: 0, resetProbability: 0 },
          );
        }
        return { targets };
      },
    };
  },
};

export const clockFault: Fault = {
  name: "clock",
  unsupported: (ctx) =>
    !ctx.clock
      ? "the clock shim is not loaded in this run"
      : ctx.topology.system === "etcd" && ctx.topology.clients.length === 0
        ? "etcd (Go) ignores LD_PRELOAD and runs its leases on the monotonic clock; no client processes to skew"
        : undefined,
  async start(ctx, target) {
    const c = ctx.clock!;
    // etcd servers are Go binaries that read the clock without libc: skew clients there.
    const pool =
      ctx.topology.system === "etcd"
        ? ctx.topology.clients.map((x) => x.name)
        : [
            // servers read their namespace's offset file: on loopback hosts they cannot be skewed one by one
            ...ctx.topology.servers.filter((x) => x.host.netns).map((x) => x.name),
            ...ctx.topology.clients.map((x) => x.name),
          ];
    if (pool.length === 0) throw new NoTargetError("no process whose clock the shim controls");
    const targets = target ? await resolveTargets(target, ctx.topology, ctx.rng) : [pick(pool, ctx.rng)];
    const hosts = targets.map((t) => {
      const x =
        ctx.topology.servers.find((s) => s.name === t) ?? ctx.topology.clients.find((s) => s.name === t)!;
      return x.host;
    });
    const dir = ctx.options.clockDirection;
    const strobe = dir === "both" && ctx.rng() < 0.25;
    const { min, max } = ctx.options.clockJumpMs;
    const sign = dir === "forward" ? 1 : dir === "back" ? -1 : ctx.rng() < 0.5 ? -1 : 1;
    const jumpMs = Math.round((min + ctx.rng() * (max - min)) * sign);
    for (const h of hosts) {
      if (strobe) c.strobe(h, ctx.options.strobe.deltaMs, ctx.options.strobe.periodMs);
      else c.jump(h, jumpMs);
    }
    return {
      fault: "clock",
      f: strobe ? "clock-strobe" : "clock-jump",
      value: strobe ? { targets, ...ctx.options.strobe } : { targets, jumpMs },
      stopF: "clock-reset",
      async stop() {
        for (const h of hosts) c.reset(h);
        return { targets };
      },
    };
  },
};

export const failoverFault: Fault = {
  name: "failover",
  unsupported: (ctx) =>
    ctx.topology.system === "redis-replicated"
      ? ctx.failover && ctx.partitioner
        ? undefined
        : "Redis failover needs namespaced hosts and the primary fronted by the proxy"
      : ctx.topology.system === "etcd"
        ? undefined
        : "a single Redis node (or independent nodes) has no replica to promote",
  async start(ctx) {
    if (ctx.topology.system === "redis-replicated") {
      const fo = ctx.failover!;
      const from = fo.primary.name;
      await fo.cut();
      return {
        fault: "failover",
        f: "cut-replication",
        value: { primary: from, replica: fo.replica.name },
        stopF: "promote",
        async stop() {
          const ev = await fo.promote();
          await ctx.partitioner!.unpartition(
            new Map([
              [fo.primary.host.name, new Set([fo.replica.host.name])],
              [fo.replica.host.name, new Set([fo.primary.host.name])],
            ]),
          );
          await fo.rejoin();
          return { ...ev };
        },
      };
    }
    // etcd: take the leader away, by kill or (when the network allows) isolation
    const [leader] = await resolveTargets("leader", ctx.topology, ctx.rng);
    if (ctx.partitioner && ctx.rng() < 0.5) {
      const g = hostGrudge(
        ctx,
        isolate(
          ctx.topology.servers.map((s) => s.name),
          leader,
        ),
      );
      await ctx.partitioner.partition(g);
      return {
        fault: "failover",
        f: "isolate-leader",
        value: { leader },
        stopF: "heal",
        async stop() {
          await ctx.partitioner!.unpartition(g);
          return { leader, newLeader: await ctx.topology.leader?.() };
        },
      };
    }
    await server(ctx, leader).kill();
    return {
      fault: "failover",
      f: "kill-leader",
      value: { leader },
      stopF: "restart",
      async stop() {
        const newLeader = await ctx.topology.leader?.();
        await server(ctx, leader).restart({ healthTimeoutMs: ctx.options.restartTimeoutMs });
        return { leader, newLeader };
      },
    };
  },
};

export const FAULTS: Record<FaultName, Fault> = {
  kill: killFault,
  pause: serverPauseFault,
  partition: partitionFault,
  loss: lossFault,
  delay: delayFault,
  clock: clockFault,
  failover: failoverFault,
  "client-pause": clientPauseFault,
};

/** Parses `kill,pause,...` or `all`; throws with the unknown names. */
export function parseFaultList(text: string): FaultName[] {
  const parts = text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  if (parts.includes("all")) return [...FAULT_NAMES];
  const bad = parts.filter((p) => !(FAULT_NAMES as readonly string[]).includes(p));
  if (bad.length)
    throw new Error(`unknown nemesis fault(s) ${bad.join(", ")}; known: ${FAULT_NAMES.join(", ")}, all`);
  return [...new Set(parts)] as FaultName[];
}
