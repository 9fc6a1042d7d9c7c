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
import { type MidSectionGate, TAKEOVER_WAIT_MS, TAKEOVER_WRITES, WRITER_WAIT_MS } from "./holder-pause.js";
import type { Partitioner } from "./partition.js";
import type { Pauser } from "./pause.js";
import {
  allClients,
  HOLDER_WAIT_MS,
  type NemesisTopology,
  NoTargetError,
  resolveTargets,
  type TargetSelector,
} from "./targets.js";

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
  /**
   * Land the lock hazards while a lock is surely held: a clock fault on a server and the Redis failover's
   * promote wait (up to 5 s) for the next ok acquire of a client, when the runner reports acquires.
   */
  whileLocked: boolean;
}

export const DEFAULT_FAULT_OPTIONS: FaultOptions = {
  lossProbability: 0.3,
  delayMs: 100,
  jitterMs: 20,
  clockJumpMs: { min: 5_000, max: 30_000 },
  clockDirection: "both",
  strobe: { deltaMs: 10_000, periodMs: 50 },
  restartTimeoutMs: 15_000,
  whileLocked: true,
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
  /** Aborted when the run is cut short: stops that wait on the clients stop waiting. */
  signal?: AbortSignal;
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
    serversOnly(ctx, "kill", targets, "use client-pause to stop a client");
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
      // a plain `client-pause` goes through the mid-section gate when the run has one; `@holder` does not
      const gate = name === "client-pause" && target === undefined && ctx.topology.midSection;
      if (gate) return pauseMidSection(gate, ctx);
      const byHolder = (target ?? (name === "client-pause" ? "holder" : undefined)) === "holder";
      const targets =
        name === "pause"
          ? await defaultServers(ctx, target)
          : target
            ? await resolveTargets(target, ctx.topology, ctx.rng)
            : await resolveTargets("holder", ctx.topology, ctx.rng).catch(() =>
                resolveTargets("client", ctx.topology, ctx.rng),
              );
      const pids: number[] = [];
      const held = new Map<string, string[]>();
      for (const n of targets) {
        const t =
          ctx.topology.servers.find((x) => x.name === n) ?? ctx.topology.clients.find((x) => x.name === n);
        if (t?.pid !== undefined && ctx.pauser.pause(t.pid)) pids.push(t.pid);
        if (byHolder) held.set(n, ctx.topology.holdings?.(n) ?? []);
      }
      if (pids.length === 0) throw new NoTargetError(`none of ${targets.join(", ")} is running`);
      const keys = [...held.values()].flat();
      return {
        fault: name,
        f: "pause",
        value: { targets, pids, ...(byHolder ? { holder: "provider", keys } : {}) },
        stopF: "resume",
        async stop() {
          // a paused holder stays paused (at most TAKEOVER_WAIT_MS more) until another client took its lock
          const takenOver = byHolder ? await awaitTakeover(ctx, held) : undefined;
          const pausedMs = pids.map((p) => ctx.pauser.resume(p) ?? 0);
          return { targets, pausedMs: Math.max(...pausedMs), ...(byHolder ? { takenOver } : {}) };
        },
      };
    },
  };
}

/** Waits until every key a paused holder held is held by another client; false at the deadline. */
async function awaitTakeover(ctx: NemesisContext, held: Map<string, string[]>): Promise<boolean> {
  const topo = ctx.topology;
  const taken = () =>
    [...held].every(([name, keys]) =>
      keys.every((k) => {
        const h = topo.holder?.(k);
        return h !== undefined && h !== name;
      }),
    );
  const until = Date.now() + TAKEOVER_WAIT_MS;
  while (!taken()) {
    const left = until - Date.now();
    if (left <= 0 || !topo.nextAcquire || ctx.signal?.aborted) return false;
    await topo.nextAcquire(left, ctx.signal);
  }
  return true;
}

/**
 * `client-pause` of the holder in the middle of its critical section (nemesis/holder-pause.ts). The stop
 * resumes it only once other clients announced TAKEOVER_WRITES writes on its key (at most TAKEOVER_WAIT_MS
 * past the hold), so the next holder's first write has landed before the stale one.
 */
async function pauseMidSection(gate: MidSectionGate, ctx: NemesisContext): Promise<ActiveFault> {
  const pauser = ctx.pauser;
  const w = await gate.pauseNextWriter((pid) => pauser.pause(pid), WRITER_WAIT_MS, ctx.signal);
  if (!w) throw new NoTargetError(`no client wrote under a lock within ${WRITER_WAIT_MS} ms`);
  return {
    fault: "client-pause",
    f: "pause",
    value: { targets: [w.name], pids: [w.pid], holder: "mid-section", ...(w.key ? { key: w.key } : {}) },
    stopF: "resume",
    async stop() {
      const othersWrote = await w.others.until(TAKEOVER_WRITES, TAKEOVER_WAIT_MS, ctx.signal);
      gate.release(w);
      return { targets: [w.name], pausedMs: pauser.resume(w.pid) ?? 0, othersWrote };
    },
  };
}

/** Waits (up to HOLDER_WAIT_MS) for a client's next ok acquire when `whileLocked`; who acquired, or null. */
async function afterNextAcquire(
  ctx: NemesisContext,
): Promise<{ lockedBy?: string | null; lockedKey?: string }> {
  const next = ctx.topology.nextAcquire;
  if (!ctx.options.whileLocked || !next) return {};
  const a = await next(HOLDER_WAIT_MS, ctx.signal);
  return a ? { lockedBy: a.name, lockedKey: a.key } : { lockedBy: null };
}

/** Throws a NoTargetError naming the clients among `names`, for faults that act on servers only. */
function serversOnly(ctx: NemesisContext, fault: string, names: readonly string[], instead: string): void {
  const clients = names.filter((n) => ctx.topology.clients.some((c) => c.name === n));
  if (clients.length)
    throw new NoTargetError(`${fault} acts on servers, not on client ${clients.join(", ")}; ${instead}`);
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

/** A named target is isolated: a server from the other servers, a client (e.g. the holder) from every server. */
async function targetedPartition(
  ctx: NemesisContext,
  target: TargetSelector,
): Promise<{ shape: string; grudge: Grudge }> {
  const servers = ctx.topology.servers.map((s) => s.name);
  const [victim] = await resolveTargets(target, ctx.topology, ctx.rng);
  if (allClients([victim], ctx.topology)) {
    const host = ctx.topology.clients.find((c) => c.name === victim)?.host;
    if (!host?.netns) throw new NoTargetError(`client ${victim} has no namespaced host to partition`);
    return { shape: `isolate client ${victim}`, grudge: clientsFromServers([victim], servers) };
  }
  return { shape: `isolate ${victim}`, grudge: isolate(servers, victim) };
}

export const partitionFault: Fault = {
  name: "partition",
  unsupported: namespacesNeeded,
  async start(ctx, target) {
    const chosen = target ? await targetedPartition(ctx, target) : await choosePartition(ctx);
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
    serversOnly(
      ctx,
      "delay",
      chosen,
      "the delay proxy fronts server ports; delay the holder's server instead",
    );
    const targets = chosen.filter((n) => fronted.includes(n));
    if (targets.length === 0) throw new NoTargetError(`none of ${chosen.join(", ")} is fronted`);
    const latencyMs = ctx.options.delayMs;
    const jitterMs = ctx.options.jitterMs;
    for (const n of targets) {
      const s = server(ctx, n);
      await d.delay({ name: n, host: s.host, port: s.port }, { latencyMs, jitterMs });
    }
    // which targets' links between cluster members are delayed too (netem delays a host's whole interface)
    const peerFronted = d.peers?.targets() ?? [];
    const peerLinks = targets.filter((n) => d.mechanism === "netem" || peerFronted.includes(n));
    return {
      fault: "delay",
      f: "delay",
      value: { targets, latencyMs, jitterMs, mechanism: d.mechanism, peerLinks },
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
    // a server's clock jump is a lock hazard only while a lock is held: land it just after an acquire
    const locked = allClients(targets, ctx.topology) ? {} : await afterNextAcquire(ctx);
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
      value: strobe ? { targets, ...ctx.options.strobe, ...locked } : { targets, jumpMs, ...locked },
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
          // promote just after a client acquired on the cut primary: that lock is surely lost
          const locked = await afterNextAcquire(ctx);
          const ev = await fo.promote();
          await ctx.partitioner!.unpartition(
            new Map([
              [fo.primary.host.name, new Set([fo.replica.host.name])],
              [fo.replica.host.name, new Set([fo.primary.host.name])],
            ]),
          );
          await fo.rejoin();
          return { ...ev, ...locked };
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
