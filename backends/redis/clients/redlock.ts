// `redlock`: Redlock over five independent Redis nodes, by @sesamecare-oss/redlock on ioredis 6, with the
// library's retries off (retryCount 0). The library decides on a quorum; this adapter only classifies
// its outcome: `fail` when every node answered and no quorum held it, `info` when some node's answer is
// missing (a missing answer could have been the deciding vote). The fencing token is an INCR of
// `<key>:token` on the first node after the grant: it is not tied to the lock by any server.
// It must never retry and never wait past a call's deadline.

import {
  ExecutionError,
  type ExecutionStats,
  type Lock,
  Redlock,
  ResourceLockedError,
} from "@sesamecare-oss/redlock";
import type { Redis } from "ioredis";
import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import { withDeadline } from "../../clients/deadline.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { closeRedis, connectRedis } from "./connection.js";
import { tokenKey } from "./redis-single.js";

/** How a quorum call ended: which nodes certainly refused, and how many did not answer clearly. */
async function votes(
  err: unknown,
): Promise<{ refused: number; unclear: number; members: number } | undefined> {
  if (!(err instanceof ExecutionError) || err.attempts.length === 0) return undefined;
  const stats: ExecutionStats = await err.attempts[err.attempts.length - 1];
  let refused = 0;
  let unclear = 0;
  for (const reason of stats.votesAgainst.values()) {
    if (reason instanceof ResourceLockedError) refused++;
    else unclear++;
  }
  return { refused, unclear, members: stats.membershipSize };
}

/** fail when a quorum is impossible even counting every unclear node as a yes; otherwise rethrow (info). */
async function classifyQuorum(err: unknown, reason: string, timeoutMs: number): Promise<never> {
  if (err instanceof DefiniteFailure) throw err;
  const v = await withDeadline(votes(err), timeoutMs, "redlock votes").catch(() => undefined);
  if (v) {
    const quorum = Math.floor(v.members / 2) + 1;
    const possibleYes = v.members - v.refused;
    if (possibleYes < quorum) throw new DefiniteFailure(reason);
  }
  throw err;
}

export class RedlockLock implements LockClient {
  private readonly held = new Map<string, { lock: Lock; token?: string }>();

  private constructor(
    private readonly nodes: Redis[],
    private readonly redlock: Redlock,
  ) {}

  static async connect(endpoints: Endpoints): Promise<RedlockLock> {
    const list = endpoints.redis ?? [];
    if (list.length < 3) throw new Error("redlock needs at least 3 Redis nodes (5 by default)");
    const nodes = await Promise.all(list.map((e) => connectRedis(e)));
    const redlock = new Redlock(nodes, {
      retryCount: 0,
      retryDelay: 0,
      retryJitter: 0,
      automaticExtensionThreshold: 0,
    });
    return new RedlockLock(nodes, redlock);
  }

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const deadline = Date.now() + req.timeoutMs;
    const lock = await withDeadline(
      this.redlock.acquire([req.key], req.ttlMs),
      req.timeoutMs,
      "acquire",
    ).catch((err: unknown) => classifyQuorum(err, "held", Math.max(1, deadline - Date.now())));
    const entry: { lock: Lock; token?: string } = { lock };
    this.held.set(id(req.key, req.owner), entry);
    // The lock is ours now: a token that cannot be had leaves the acquire ok, only without a token.
    const token = await withDeadline(
      this.nodes[0].incr(tokenKey(req.key)),
      Math.max(1, deadline - Date.now()),
      "token",
    )
      .then(String)
      .catch(() => undefined);
    entry.token = token;
    return token === undefined ? { nodes: this.nodes.length } : { token, nodes: this.nodes.length };
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const entry = this.held.get(id(req.key, req.owner));
    if (!entry) throw new DefiniteFailure("not-held");
    if (entry.lock.expiration < Date.now()) throw new DefiniteFailure("expired"); // the library would refuse too
    const deadline = Date.now() + req.timeoutMs;
    entry.lock = await withDeadline(entry.lock.extend(req.ttlMs), req.timeoutMs, "renew").catch(
      (err: unknown) => classifyQuorum(err, "not-held", Math.max(1, deadline - Date.now())),
    );
    return entry.token === undefined ? {} : { token: entry.token };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    const entry = this.held.get(id(req.key, req.owner));
    if (!entry) throw new DefiniteFailure("not-held");
    this.held.delete(id(req.key, req.owner));
    const deadline = Date.now() + req.timeoutMs;
    await withDeadline(this.redlock.release(entry.lock, { retryCount: 0 }), req.timeoutMs, "release").catch(
      (err: unknown) => classifyQuorum(err, "not-held", Math.max(1, deadline - Date.now())),
    );
  }

  async owner(): Promise<string | null> {
    throw new Error("redlock stores a random value, not the owner id: owner reads are not supported");
  }

  async close(): Promise<void> {
    for (const node of this.nodes) closeRedis(node);
  }
}

function id(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

export const redlock: LockDefinition = {
  name: "redlock",
  topology: "redis-five",
  description: "Redlock over 5 independent Redis nodes (@sesamecare-oss/redlock, no retries)",
  ownerReads: false,
  tokenSource: "incr-beside",
  create: (endpoints) => RedlockLock.connect(endpoints),
};
