// `redis-single`: a lock on one Redis node. Acquire is SET key owner NX PX ttl, and in the same Lua script
// an INCR of `<key>:token` beside the lock gives the fencing token (so the token is tied to the grant);
// renew and release are compare-and-pexpire / compare-and-delete on the owner. It must never retry a
// command and never report `fail` unless the command certainly did not take effect.

import type { Redis } from "ioredis";
import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import { withDeadline } from "../../clients/deadline.js";
import type { Endpoints, LockDefinition, RedisEndpoint } from "../../registry.js";
import { closeRedis, connectRedis, isDefiniteRedisFailure } from "./connection.js";
import { ACQUIRE_WITH_TOKEN, RELEASE_IF_OWNER, RENEW_IF_OWNER } from "./scripts.js";

type ScriptCall = (...args: Array<string | number>) => Promise<unknown>;

/** Turn an error that proves nothing happened into a DefiniteFailure; leave every other error as it is. */
export function classifyRedis(err: unknown): never {
  if (err instanceof DefiniteFailure) throw err;
  if (isDefiniteRedisFailure(err)) throw new DefiniteFailure(`unavailable: ${(err as Error).message}`);
  throw err;
}

/** The single-node Redis lock, against whichever node `endpoint` names (the primary, for redis-replicated). */
export class RedisSingleLock implements LockClient {
  private readonly tokens = new Map<string, string>();

  private constructor(private readonly redis: Redis) {
    redis.defineCommand("locksmithAcquire", { numberOfKeys: 2, lua: ACQUIRE_WITH_TOKEN });
    redis.defineCommand("locksmithRenew", { numberOfKeys: 1, lua: RENEW_IF_OWNER });
    redis.defineCommand("locksmithRelease", { numberOfKeys: 1, lua: RELEASE_IF_OWNER });
  }

  static async connect(endpoint: RedisEndpoint): Promise<RedisSingleLock> {
    return new RedisSingleLock(await connectRedis(endpoint));
  }

  private script(name: string): ScriptCall {
    const fn = (this.redis as unknown as Record<string, ScriptCall>)[name];
    return fn.bind(this.redis);
  }

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const call = this.script("locksmithAcquire")(req.key, tokenKey(req.key), req.owner, req.ttlMs);
    const token = await withDeadline(call, req.timeoutMs, "acquire").catch(classifyRedis);
    if (token === null) throw new DefiniteFailure("held");
    const facts: LockFacts = { token: String(token) };
    this.tokens.set(lockId(req.key, req.owner), facts.token as string);
    return facts;
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const call = this.script("locksmithRenew")(req.key, req.owner, req.ttlMs);
    const renewed = await withDeadline(call, req.timeoutMs, "renew").catch(classifyRedis);
    if (renewed !== 1) throw new DefiniteFailure("not-held");
    const token = this.tokens.get(lockId(req.key, req.owner));
    return token === undefined ? {} : { token };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    this.tokens.delete(lockId(req.key, req.owner));
    const call = this.script("locksmithRelease")(req.key, req.owner);
    const deleted = await withDeadline(call, req.timeoutMs, "release").catch(classifyRedis);
    if (deleted !== 1) throw new DefiniteFailure("not-held");
  }

  async owner(req: { key: string; timeoutMs: number }): Promise<string | null> {
    return withDeadline(this.redis.get(req.key), req.timeoutMs, "owner").catch(classifyRedis);
  }

  /**
   * The holder, read atomically with the node's role (MULTI: ROLE, GET): a replica's copy may lag, so a
   * read there is refused as a definite failure (a read that did not happen changes nothing).
   */
  async ownerIfPrimary(req: { key: string; timeoutMs: number }): Promise<string | null> {
    const exec = this.redis.multi().role().get(req.key).exec();
    const replies = await withDeadline(exec, req.timeoutMs, "owner").catch(classifyRedis);
    const [role, get] = replies ?? [];
    if (!role || !get || role[0] || get[0])
      throw new Error(`owner: ${String(role?.[0] ?? get?.[0] ?? "no reply")}`);
    const roleName = (role[1] as unknown[])[0];
    if (roleName !== "master") throw new DefiniteFailure(`not-primary (${String(roleName)})`);
    return get[1] as string | null;
  }

  async close(): Promise<void> {
    closeRedis(this.redis);
  }
}

export function tokenKey(key: string): string {
  return `${key}:token`;
}

function lockId(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

export function firstRedis(endpoints: Endpoints, lock: string): RedisEndpoint {
  const node = endpoints.redis?.[0];
  if (!node) throw new Error(`${lock} needs a Redis endpoint`);
  return node;
}

export const redisSingle: LockDefinition = {
  name: "redis-single",
  topology: "redis-single",
  description:
    "SET NX PX on one Redis node; compare-and-delete / compare-and-pexpire by Lua; token from INCR",
  ownerReads: true,
  tokenSource: "incr-beside",
  create: (endpoints) => RedisSingleLock.connect(firstRedis(endpoints, "redis-single")),
};
