// What the nemesis can act on, and how a fault names its targets: by name, or by role (`leader`, `primary`,
// `majority`, `minority`, `one`, `all`, `client` (one client), `holder` (the holder of a lock)).
// The runner describes its servers and clients with these interfaces; backends/*/server.ts's EtcdMember and
// RedisNode fit `ServerTarget` as they are. Resolution uses the seeded rng it is given, never Math.random.
// It must never act on anything: it only chooses (`holder` may wait, with a deadline, for an acquire).

import type { Rng } from "./grudge.js";
import { shuffle } from "./grudge.js";
import type { MidSectionGate } from "./holder-pause.js";
import type { Host } from "./hosts.js";

/** A server the nemesis can kill, restart and pause (EtcdMember and RedisNode have all of this). */
export interface ServerTarget {
  readonly name: string;
  readonly host: Host;
  /** Client port (the delay fault fronts it). */
  readonly port: number;
  readonly pid: number | undefined;
  readonly running: boolean;
  kill(): Promise<unknown>;
  restart(opts?: { healthTimeoutMs?: number }): Promise<void>;
}

/** A client process (one worker the runner forked) on its host. */
export interface ClientTarget {
  readonly name: string;
  readonly host: Host;
  readonly pid: number | undefined;
}

/** The run as the nemesis sees it. */
export interface NemesisTopology {
  /** "etcd" (a raft cluster), "redis" (one node or independent nodes), "redis-replicated" (primary+replica). */
  system: "etcd" | "redis" | "redis-replicated";
  servers: readonly ServerTarget[];
  clients: readonly ClientTarget[];
  /** The current leader's name (etcd), if the system has one. */
  leader?: () => Promise<string | undefined>;
  /** The current primary's name (Redis primary + replica). */
  primary?: () => string | undefined;
  /** The client that holds a lock now, by the runner's records (any key when `key` is omitted). */
  holder?: (key?: string) => string | undefined;
  /** The keys client `name` holds now, by the runner's records. */
  holdings?: (name: string) => string[];
  /**
   * Resolves just after the next ok acquire (which client, which key), before that client makes its next
   * call; undefined after `timeoutMs`. Faults that must land while a lock is held wait on it.
   */
  nextAcquire?: (
    timeoutMs: number,
    signal?: AbortSignal,
  ) => Promise<{ name: string; key: string } | undefined>;
  /** Where the runner announces a holder's write, so `client-pause` can stop it mid-section. */
  midSection?: MidSectionGate;
}

export type Role = "leader" | "primary" | "majority" | "minority" | "one" | "all" | "client" | "holder";
export type TargetSelector = Role | { name: string } | { names: string[] };

export const ROLES: readonly Role[] = [
  "leader",
  "primary",
  "majority",
  "minority",
  "one",
  "all",
  "client",
  "holder",
];

/** How long `holder` waits for a client to acquire a lock when none holds one. */
export const HOLDER_WAIT_MS = 5_000;

/** Whether every name is a client of the topology (not a server). */
export function allClients(names: readonly string[], topo: NemesisTopology): boolean {
  return names.length > 0 && names.every((n) => topo.clients.some((c) => c.name === n));
}

export class NoTargetError extends Error {
  constructor(what: string) {
    super(`no target: ${what}`);
    this.name = "NoTargetError";
  }
}

/** Names of the servers a selector picks now (clients for `client`/`holder`). */
export async function resolveTargets(
  selector: TargetSelector,
  topo: NemesisTopology,
  rng: Rng,
): Promise<string[]> {
  const servers = topo.servers.map((s) => s.name);
  if (typeof selector === "object") {
    const names = "name" in selector ? [selector.name] : selector.names;
    const known = new Set([...servers, ...topo.clients.map((c) => c.name)]);
    for (const n of names) if (!known.has(n)) throw new NoTargetError(`unknown name ${n}`);
    return names;
  }
  switch (selector) {
    case "all":
      return servers;
    case "one":
      if (servers.length === 0) throw new NoTargetError("no servers");
      return [shuffle(servers, rng)[0]];
    case "majority":
      return shuffle(servers, rng).slice(0, Math.floor(servers.length / 2) + 1);
    case "minority":
      return shuffle(servers, rng).slice(0, Math.floor((servers.length - 1) / 2) || 1);
    case "leader": {
      const l = await topo.leader?.();
      if (!l) throw new NoTargetError("no leader known");
      return [l];
    }
    case "primary": {
      const p = topo.primary?.() ?? (topo.system !== "etcd" ? servers[0] : undefined);
      if (!p) throw new NoTargetError("no primary");
      return [p];
    }
    case "client": {
      const live = topo.clients.filter((c) => c.pid !== undefined).map((c) => c.name);
      if (live.length === 0) throw new NoTargetError("no running client");
      return [shuffle(live, rng)[0]];
    }
    case "holder": {
      const h = topo.holder?.() ?? (await topo.nextAcquire?.(HOLDER_WAIT_MS))?.name;
      if (!h) throw new NoTargetError(`no client held a lock, nor acquired one within ${HOLDER_WAIT_MS} ms`);
      return [h];
    }
  }
}

export function parseSelector(text: string): TargetSelector {
  if ((ROLES as readonly string[]).includes(text)) return text as Role;
  if (text.includes(",")) return { names: text.split(",").filter(Boolean) };
  return { name: text };
}
