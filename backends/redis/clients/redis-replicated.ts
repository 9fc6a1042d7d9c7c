// `redis-replicated`: the redis-single lock against a primary + replica pair (asynchronous replication),
// so the nemesis can promote the replica (DESIGN.md section 7, failover) and show what replication loses.
// The client talks to one node at a time, the primary first; when a call there fails for a reason other
// than the lock's own answer ("held", "not-held"), e.g. READONLY after a demotion, a refused or lost
// connection or a missed deadline, the NEXT call goes to the other node, as a client following a
// promotion would. The failed call itself is never re-sent: it is recorded as it ended. Owner reads are
// answered only by a node that says, in the same transaction, that it is the primary.

import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { RedisSingleLock } from "./redis-single.js";

/** Errors that are the lock's own answer: the node works and is the one to keep talking to. */
function isLockAnswer(err: unknown): boolean {
  return err instanceof DefiniteFailure && (err.reason === "held" || err.reason === "not-held");
}

export class FollowingPrimaryLock implements LockClient {
  private current = 0;

  constructor(private readonly nodes: RedisSingleLock[]) {}

  /** Index of the node the next call goes to (0: the original primary). */
  get currentNode(): number {
    return this.current;
  }

  private async on<T>(call: (node: RedisSingleLock) => Promise<T>): Promise<T> {
    const index = this.current;
    try {
      return await call(this.nodes[index]);
    } catch (err) {
      if (!isLockAnswer(err) && this.current === index) this.current = (index + 1) % this.nodes.length;
      throw err;
    }
  }

  acquire(req: AcquireRequest): Promise<LockFacts> {
    return this.on((n) => n.acquire(req));
  }

  renew(req: AcquireRequest): Promise<LockFacts> {
    return this.on((n) => n.renew(req));
  }

  release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    return this.on((n) => n.release(req));
  }

  owner(req: { key: string; timeoutMs: number }): Promise<string | null> {
    return this.on((n) => n.ownerIfPrimary(req));
  }

  async close(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.close()));
  }
}

async function create(endpoints: Endpoints): Promise<LockClient> {
  const list = endpoints.redis ?? [];
  if (list.length === 0) throw new Error("redis-replicated needs a Redis endpoint (primary, then replica)");
  // Both nodes are connected up front: a node that cannot be reached at the start is a setup error.
  const nodes = await Promise.all(list.slice(0, 2).map((e) => RedisSingleLock.connect(e)));
  return new FollowingPrimaryLock(nodes);
}

export const redisReplicated: LockDefinition = {
  name: "redis-replicated",
  topology: "redis-replicated",
  description: "redis-single against a primary whose replica can be promoted; follows the promotion",
  ownerReads: true,
  tokenSource: "incr-beside",
  create,
};
