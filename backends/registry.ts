// The lock clients locksmith knows, by name: for each, the server topology it needs and a factory that
// connects one client (one per worker process). A user's own lock is a module path given instead of a
// name (docs/adapters.md). This module only maps names to definitions: it must never start servers or
// connect anything itself, and it loads a client's code only when that client is asked for.

import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import type { LockClient } from "./adapter.js";

/** The server layouts a lock client can need (started by the provisioning in backends/<system>/server.ts). */
export type Topology = "etcd-cluster" | "redis-single" | "redis-replicated" | "redis-five";

export const TOPOLOGIES: readonly Topology[] = [
  "etcd-cluster",
  "redis-single",
  "redis-replicated",
  "redis-five",
];

export interface RedisEndpoint {
  host: string;
  port: number;
}

/** Where the servers of a topology listen, as the clients should reach them. */
export interface Endpoints {
  /** etcd client URLs, e.g. "http://10.120.4.2:2379" (etcd-cluster). */
  etcd?: string[];
  /** Redis nodes: [the one] (redis-single), [primary, replica] (redis-replicated), five (redis-five). */
  redis?: RedisEndpoint[];
}

/** Where a lock's fencing token comes from, for the docs and test.json. */
export type TokenSource = "native" | "incr-beside" | "none";

export interface LockDefinition {
  name: string;
  topology: Topology;
  /** One line for `--help` and the docs. */
  description: string;
  /** Whether `owner()` can name the holder (some locks store no owner id the runner chose). */
  ownerReads: boolean;
  tokenSource: TokenSource;
  /** Connect one client. Called inside a worker process; must honour every call's timeoutMs. */
  create(endpoints: Endpoints): Promise<LockClient>;
}

const BUILTIN: Record<string, () => Promise<LockDefinition>> = {
  "redis-single": async () => (await import("./redis/clients/redis-single.js")).redisSingle,
  "redis-replicated": async () => (await import("./redis/clients/redis-replicated.js")).redisReplicated,
  redlock: async () => (await import("./redis/clients/redlock.js")).redlock,
  "etcd-cas": async () => (await import("./etcd/clients/etcd-cas.js")).etcdCas,
  "etcd-lease": async () => (await import("./etcd/clients/etcd-lease.js")).etcdLease,
  "etcd3-lock": async () => (await import("./etcd/clients/etcd3-lock.js")).etcd3Lock,
  "etcd-lock-rpc": async () => (await import("./etcd/clients/etcd-lock-rpc.js")).etcdLockRpc,
  naive: async () => (await import("./naive/naive.js")).naive,
};

/** The built-in lock names, in the order of DESIGN.md section 6. */
export function builtinLockNames(): string[] {
  return Object.keys(BUILTIN);
}

/** An unknown lock name or a module that is not a lock definition; the message is for the user as it is. */
export class UnknownLockError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UnknownLockError";
  }
}

/** True when `spec` names a module file rather than a built-in lock. */
export function isModuleSpec(spec: string): boolean {
  return spec.includes("/") || /\.(m?js|ts)$/.test(spec);
}

/**
 * A built-in name ("etcd-cas") or the path of a user module (absolute, or relative to `baseDir`) whose
 * default export (or export named `lock`) is a LockDefinition.
 */
export async function resolveLock(spec: string, baseDir: string = process.cwd()): Promise<LockDefinition> {
  const builtin = BUILTIN[spec];
  if (builtin) return builtin();
  if (!isModuleSpec(spec)) {
    throw new UnknownLockError(
      `unknown lock "${spec}": use one of ${builtinLockNames().join(", ")}, or the path of an adapter module`,
    );
  }
  const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (err) {
    throw new UnknownLockError(`${path}: cannot load the adapter module: ${(err as Error).message}`);
  }
  const def = (mod.default ?? mod.lock) as Partial<LockDefinition> | undefined;
  const problem = describeDefinitionProblem(def);
  if (problem) throw new UnknownLockError(`${path}: ${problem}`);
  return def as LockDefinition;
}

/** What is wrong with a would-be LockDefinition, or undefined when it is usable. */
export function describeDefinitionProblem(def: Partial<LockDefinition> | undefined): string | undefined {
  if (!def || typeof def !== "object")
    return "no default export (or export named `lock`) with a lock definition";
  if (typeof def.name !== "string" || def.name === "") return "the lock definition has no `name`";
  if (!TOPOLOGIES.includes(def.topology as Topology)) {
    return `the lock definition's \`topology\` must be one of ${TOPOLOGIES.join(", ")}`;
  }
  if (typeof def.create !== "function") return "the lock definition has no `create(endpoints)` function";
  if (typeof def.ownerReads !== "boolean") return "the lock definition must say `ownerReads: true | false`";
  return undefined;
}
