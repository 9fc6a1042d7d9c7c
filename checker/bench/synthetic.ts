// Seeded generators of synthetic lease-lock histories for the checker benchmark and the CLI tests:
// a simulated lease lock server driven by C clients over K keys (valid by construction), planted
// violations (two holders overlapping), and the "one partition hopeless, another illegal" history.
// Pure data generation: it must never do I/O, read the clock, or import the checker it measures.

import type { History, Op, OpType } from "../../histories/op.js";
import { SeededRandom } from "./random.js";

const NS_PER_MS = 1_000_000;

export interface LockHistoryOptions {
  seed: number;
  /** Number of operations (invoke/completion pairs); the history has twice as many entries. */
  operations: number;
  keys: number;
  clients: number;
  /** Share of operations whose completion is `info` (unknown outcome), 0..1. */
  infoShare: number;
  /** Lease TTL in ms (default 2000). */
  ttlMs?: number;
  /** Number of planted violations: a second owner acquires while the first holds a live lease. */
  violations?: number;
}

export interface PlantedViolation {
  key: string;
  /** History index of the holder's acquire invoke. */
  holderInvokeIndex: number;
  /** History index of the intruder's acquire invoke (the op no linearization can place). */
  intruderInvokeIndex: number;
}

export interface GeneratedHistory {
  history: History;
  planted: PlantedViolation[];
  /** Operations (invoke/completion pairs) in the history. */
  operations: number;
}

interface ServerLock {
  owner: string;
  /** Server time (ns) at which the lease ends. */
  expiresAt: number;
}

type ClientPhase = "idle" | "holding";

interface Client {
  slot: number;
  process: number;
  phase: ClientPhase;
  key: string;
  owner: string;
  /** When the current hold should end (ns). */
  holdUntil: number;
  acquires: number;
}

interface PendingOp {
  client: Client;
  f: "acquire" | "release" | "renew" | "owner";
  key: string;
  owner: string;
  invokeTime: number;
  linTime: number;
}

/** A binary min-heap of pending ops ordered by linearization time. */
class PendingHeap {
  private items: PendingOp[] = [];
  get size(): number {
    return this.items.length;
  }
  push(item: PendingOp): void {
    const a = this.items;
    a.push(item);
    let i = a.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (a[parent].linTime <= a[i].linTime) break;
      [a[parent], a[i]] = [a[i], a[parent]];
      i = parent;
    }
  }
  pop(): PendingOp | undefined {
    const a = this.items;
    if (a.length === 0) return undefined;
    const top = a[0];
    const last = a.pop()!;
    if (a.length > 0) {
      a[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < a.length && a[l].linTime < a[m].linTime) m = l;
        if (r < a.length && a[r].linTime < a[m].linTime) m = r;
        if (m === i) break;
        [a[m], a[i]] = [a[i], a[m]];
        i = m;
      }
    }
    return top;
  }
}

/**
 * A lease lock server simulated at each op's linearization point, driven by clients that acquire a
 * random key, hold it (now and then past the TTL), sometimes renew or read the owner, and release.
 * Every op's effect lies between its invocation and completion, so the history is linearizable for
 * `lease-lock` until violations are planted.
 */
export function generateLockHistory(options: LockHistoryOptions): GeneratedHistory {
  const rng = new SeededRandom(options.seed);
  const ttlMs = options.ttlMs ?? 2000;
  const ttlNs = ttlMs * NS_PER_MS;
  const keyNames = Array.from({ length: options.keys }, (_, i) => `lock-${i}`);
  const server = new Map<string, ServerLock>();
  const events: Op[] = [];
  let nextProcess = options.clients;
  let nextToken = 1;
  let operations = 0;
  const heap = new PendingHeap();

  const latency = () => Math.round(rng.between(0.1, 1.5) * NS_PER_MS);
  const think = () => 1 + Math.round(rng.between(0, 0.5) * NS_PER_MS);
  const emit = (op: Op) => {
    events.push(op);
  };

  const schedule = (client: Client, at: number) => {
    let f: PendingOp["f"];
    let key = client.key;
    if (client.phase === "holding") {
      if (at < client.holdUntil && rng.chance(0.1)) f = rng.chance(0.5) ? "renew" : "owner";
      else f = "release";
    } else if (rng.chance(0.08)) {
      f = "owner";
      key = keyNames[rng.int(0, keyNames.length - 1)];
    } else {
      f = "acquire";
      key = keyNames[rng.int(0, keyNames.length - 1)];
      client.key = key;
      client.acquires += 1;
      client.owner = `c${client.slot}-${client.acquires}`;
    }
    if (client.phase === "holding" && f === "release") at = Math.max(at, client.holdUntil);
    heap.push({ client, f, key, owner: client.owner, invokeTime: at, linTime: at + latency() });
  };

  const clients: Client[] = [];
  for (let slot = 0; slot < options.clients; slot++) {
    const client: Client = {
      slot,
      process: slot,
      phase: "idle",
      key: "",
      owner: "",
      holdUntil: 0,
      acquires: 0,
    };
    clients.push(client);
    schedule(client, think());
  }

  while (operations < options.operations && heap.size > 0) {
    const op = heap.pop()!;
    const { client } = op;
    const p = op.linTime;
    const info = rng.chance(options.infoShare);
    const takesEffect = !info || rng.chance(0.5);
    const lock = server.get(op.key);
    const live = lock !== undefined && p < lock.expiresAt ? lock : undefined;
    let type: OpType = "ok";
    let error: string | undefined;
    let invokeValue: unknown;
    let outValue: unknown;

    if (op.f === "acquire") {
      invokeValue = { owner: op.owner, ttlMs };
      if (live) {
        type = "fail";
        error = "held";
        outValue = invokeValue;
      } else {
        const token = String(nextToken++);
        if (takesEffect) server.set(op.key, { owner: op.owner, expiresAt: p + ttlNs });
        outValue = { owner: op.owner, ttlMs, token };
      }
    } else if (op.f === "renew") {
      invokeValue = { owner: op.owner, ttlMs };
      outValue = invokeValue;
      if (live?.owner === op.owner) {
        if (takesEffect) live.expiresAt = p + ttlNs;
      } else {
        type = "fail";
        error = "not-held";
      }
    } else if (op.f === "release") {
      invokeValue = { owner: op.owner };
      outValue = invokeValue;
      if (live?.owner === op.owner) {
        if (takesEffect) server.delete(op.key);
      } else {
        type = "fail";
        error = "not-held";
      }
    } else {
      invokeValue = {};
      outValue = { owner: live ? live.owner : null };
    }
    if (info) {
      type = "info";
      error = "timeout";
      outValue = invokeValue;
    }

    const completeTime = p + latency();
    emit({
      index: 0,
      time: op.invokeTime,
      process: client.process,
      type: "invoke",
      f: op.f,
      key: op.key,
      value: invokeValue,
    });
    const completion: Op = {
      index: 0,
      time: completeTime,
      process: client.process,
      type,
      f: op.f,
      key: op.key,
      value: outValue,
    };
    if (error !== undefined) completion.error = error;
    emit(completion);
    operations += 1;

    if (type === "info") {
      client.process = nextProcess++;
      client.phase = "idle";
    } else if (op.f === "acquire" && type === "ok") {
      client.phase = "holding";
      // Mostly well inside the TTL; now and then past it (the lease expires under the holder).
      const holdFactor = rng.chance(0.05) ? rng.between(1.05, 1.6) : rng.between(0.05, 0.6);
      client.holdUntil = completeTime + Math.round(holdFactor * ttlNs);
    } else if (op.f === "release") {
      client.phase = "idle";
    } else if (op.f === "renew" && type === "fail") {
      client.phase = "idle";
    }
    // A client that found the lock held backs off for 1-10% of the TTL before it tries again (as real
    // lock clients do), so that contended keys do not turn the history into a stream of failed acquires.
    const backoff = op.f === "acquire" && type === "fail" ? Math.round(rng.between(0.01, 0.1) * ttlNs) : 0;
    schedule(client, completeTime + think() + backoff);
  }

  const planted = options.violations
    ? plantViolations(events, options.violations, ttlNs, rng, () => nextProcess++)
    : [];
  if (planted.length < (options.violations ?? 0)) {
    throw new Error(
      `synthetic: could plant only ${planted.length} of ${options.violations} violations (too few long holds: use more operations)`,
    );
  }
  // Array.prototype.sort is stable: ops at equal times keep their emission order.
  events.sort((a, b) => a.time - b.time);
  for (let i = 0; i < events.length; i++) events[i].index = i;
  const plantedOut = planted.map((p) => ({
    key: p.key,
    holderInvokeIndex: p.holder.index,
    intruderInvokeIndex: p.intruder.index,
  }));
  return { history: events, planted: plantedOut, operations: operations + planted.length };
}

interface PlantedOps {
  key: string;
  holder: Op;
  intruder: Op;
}

/**
 * Insert, for `count` ok acquires that are followed by a long enough hold, a second owner's ok acquire
 * entirely inside the first holder's live lease (before its release is invoked and before
 * invoke + 0.9·TTL): no linearization can place it, whatever the drift bound up to 10%.
 */
function plantViolations(
  events: Op[],
  count: number,
  ttlNs: number,
  rng: SeededRandom,
  freshProcess: () => number,
): PlantedOps[] {
  const byProcess = new Map<number | string, Op[]>();
  for (const e of events) {
    const list = byProcess.get(e.process) ?? [];
    list.push(e);
    byProcess.set(e.process, list);
  }
  const candidates: { holder: Op; start: number; end: number }[] = [];
  for (const list of byProcess.values()) {
    list.sort((a, b) => a.time - b.time);
    for (let i = 0; i + 2 < list.length; i++) {
      const inv = list[i];
      const done = list[i + 1];
      const next = list[i + 2];
      if (inv.type !== "invoke" || inv.f !== "acquire" || done.type !== "ok") continue;
      const end = Math.min(next.time, inv.time + Math.floor(0.9 * ttlNs));
      if (end - done.time > 3 * NS_PER_MS) candidates.push({ holder: inv, start: done.time, end });
    }
  }
  const out: PlantedOps[] = [];
  const usedKeys = new Set<string>();
  while (out.length < count && candidates.length > 0) {
    const pick = candidates.splice(rng.int(0, candidates.length - 1), 1)[0];
    const key = pick.holder.key!;
    if (usedKeys.has(key) && candidates.length > count) continue;
    usedKeys.add(key);
    const gap = pick.end - pick.start;
    const invokeAt = pick.start + Math.floor(gap / 3);
    const okAt = pick.start + Math.floor((2 * gap) / 3);
    const process = freshProcess();
    const owner = `intruder-${out.length}`;
    const value = { owner, ttlMs: Math.round(ttlNs / NS_PER_MS) };
    const intruder: Op = { index: 0, time: invokeAt, process, type: "invoke", f: "acquire", key, value };
    events.push(intruder);
    events.push({ index: 0, time: okAt, process, type: "ok", f: "acquire", key, value });
    out.push({ key, holder: pick.holder, intruder });
  }
  return out;
}

export interface HopelessAndIllegalOptions {
  /** Concurrent indeterminate ops on the hopeless key (the search space grows like 2^n). */
  indeterminate: number;
  /** Whether the hopeless key's ops come first in the file and its name sorts first. */
  hopelessFirst: boolean;
  ttlMs?: number;
  /** Leave out the illegal key (default false): the hopeless key alone, for time-limit tests. */
  hopelessOnly?: boolean;
}

export interface HopelessAndIllegal {
  history: History;
  hopelessKey: string;
  illegalKey: string;
}

/**
 * Two keys: on the hopeless one, `indeterminate` concurrent `info` acquires and releases by distinct
 * owners, then a read of an owner nobody ever had (every subset of the indeterminate ops must be tried
 * before the search can give up); on the illegal one, a second owner acquires while the first holds a
 * live lease. A checker that searches partitions one after the other can be stuck on the first forever.
 */
export function generateHopelessAndIllegal(options: HopelessAndIllegalOptions): HopelessAndIllegal {
  const ttlMs = options.ttlMs ?? 60_000;
  const hopelessKey = options.hopelessFirst ? "a-hopeless" : "z-hopeless";
  const illegalKey = options.hopelessFirst ? "m-illegal" : "b-illegal";
  const hopeless: Omit<Op, "index">[] = [];
  let process = 0;
  let t = NS_PER_MS;
  const n = options.indeterminate;
  for (let i = 0; i < n; i++) {
    const owner = `h${Math.floor(i / 2)}`;
    const f = i % 2 === 0 ? "acquire" : "release";
    const value = f === "acquire" ? { owner, ttlMs } : { owner };
    hopeless.push({ time: t, process: process++, type: "invoke", f, key: hopelessKey, value });
    t += 1000;
  }
  const readProcess = process++;
  hopeless.push({ time: t, process: readProcess, type: "invoke", f: "owner", key: hopelessKey, value: {} });
  t += 1000;
  hopeless.push({
    time: t,
    process: readProcess,
    type: "ok",
    f: "owner",
    key: hopelessKey,
    value: { owner: "ghost" },
  });
  t += 1000;
  for (let i = 0; i < n; i++) {
    const inv = hopeless[i];
    hopeless.push({ ...inv, time: t, type: "info", error: "timeout" });
    t += 1000;
  }

  const illegal: Omit<Op, "index">[] = [];
  const a = { owner: "alice", ttlMs };
  const b = { owner: "bob", ttlMs };
  const pa = process++;
  const pb = process++;
  illegal.push({ time: t, process: pa, type: "invoke", f: "acquire", key: illegalKey, value: a });
  illegal.push({
    time: t + 1000,
    process: pa,
    type: "ok",
    f: "acquire",
    key: illegalKey,
    value: { ...a, token: "1" },
  });
  illegal.push({ time: t + 2000, process: pb, type: "invoke", f: "acquire", key: illegalKey, value: b });
  illegal.push({
    time: t + 3000,
    process: pb,
    type: "ok",
    f: "acquire",
    key: illegalKey,
    value: { ...b, token: "2" },
  });

  // Key order in the file follows `hopelessFirst`; times stay monotonic by renumbering in file order.
  const ordered = options.hopelessOnly
    ? hopeless
    : options.hopelessFirst
      ? [...hopeless, ...illegal]
      : [...illegal, ...hopeless];
  const history: History = ordered.map((op, index) => ({ ...op, index, time: (index + 1) * 1000 }));
  return { history, hopelessKey, illegalKey };
}

/** The history as JSON lines (the project's file format), one op per line. */
export function toJsonLines(history: History): string {
  let out = "";
  for (const op of history) out += `${JSON.stringify(op)}\n`;
  return out;
}
