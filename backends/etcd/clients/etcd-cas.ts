// `etcd-cas`: a lease plus one txn per acquire: if create_revision(key) == 0 then put(key, owner, lease).
// The fencing token is the txn's revision (the key's create revision). The lease is the client's session
// lease, as etcd's own concurrency package keeps one: granted at the first acquire (per TTL), and kept
// alive by every acquire before its txn (so the lock lasts the TTL from then) and by every renew. Release
// is one txn: if the key still has this acquire's create revision, delete it (a key lost to an expired
// lease and taken by someone else is never deleted). So a cycle is 2 raft writes (txn, txn) and one lease
// keepalive, not 3 writes with a lease per acquire; a lease that has expired is replaced by a new grant.
// While the cached lease is far from its end, the keepalive and the txn go out together (one round trip).
// Errors before the txn is sent are definite failures; a txn without an answer is indeterminate.
// Calls go to the leader when it is known (leader-first.ts), over the lean gRPC transport (../wire/).
// It must never retry a txn.

import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { GRPC_NOT_FOUND, GrpcStatusError } from "../wire/grpc-channel.js";
import { leaseSeconds, notSent } from "./connection.js";
import { LeaderFirst } from "./leader-first.js";

interface Held {
  leaseId: string;
  token: string;
}

/** Rethrow, turning etcd's "lease not found" into a definite failure with `reason`. */
function leaseGoneAs(reason: string): (err: unknown) => never {
  return (err: unknown) => {
    if (err instanceof GrpcStatusError && err.code === GRPC_NOT_FOUND) throw new DefiniteFailure(reason);
    throw err;
  };
}

/** A session lease and when its last renewal (grant or keepalive) was sent, by this process's clock. */
interface SessionLease {
  id: string;
  renewedSentAt: number;
}

/**
 * A cached lease is kept alive in parallel with the txn (one round trip, not two) only when it certainly
 * outlives the send by this much; closer to its end it is renewed (or replaced) first.
 */
const PIPELINE_MARGIN_MS = 250;

export class EtcdCasLock implements LockClient {
  private readonly held = new Map<string, Held>();
  /** The session lease per TTL (in seconds) the client has asked for. */
  private readonly leases = new Map<number, SessionLease>();

  constructor(readonly route: LeaderFirst) {}

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const ttlS = leaseSeconds(req.ttlMs);
    const cached = this.leases.get(ttlS);
    const facts =
      cached && cached.renewedSentAt + ttlS * 1000 > performance.now() + PIPELINE_MARGIN_MS
        ? await this.acquirePipelined(req, ttlS, cached)
        : await this.acquireInTurn(req, ttlS);
    this.held.set(id(req.key, req.owner), { leaseId: facts.leaseId, token: facts.token });
    return facts;
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    const ttl = await this.route
      .call((m) => m.leaseKeepAlive(held.leaseId, req.timeoutMs))
      .catch(leaseGoneAs("lease-not-found"));
    if (!(ttl > 0)) throw new DefiniteFailure("lease-expired");
    return { token: held.token, leaseId: held.leaseId };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    this.held.delete(id(req.key, req.owner));
    const res = await this.route.call((m) => m.deleteIfCreatedAt(req.key, held.token, req.timeoutMs));
    if (!res.succeeded) throw new DefiniteFailure("not-held");
  }

  async owner(req: { key: string; timeoutMs: number }): Promise<string | null> {
    return this.route.call((m) => m.get(req.key, req.timeoutMs));
  }

  async close(): Promise<void> {
    this.route.close();
  }

  /**
   * Keepalive and txn sent together. Whatever order etcd runs them in, a keepalive answered with TTL > 0
   * means the lease lived through both and was renewed after the invocation, so the lock lasts the full
   * TTL from then. A txn that took the lock while the keepalive failed may hold it for less: that acquire
   * is reported unknown (info), never ok.
   */
  private async acquirePipelined(req: AcquireRequest, ttlS: number, lease: SessionLease): Promise<Facts> {
    const sentAt = performance.now();
    const keepalive = this.route.call((m) => m.leaseKeepAlive(lease.id, req.timeoutMs)).catch(() => -1);
    const txn = this.route
      .call((m) => m.putIfAbsent(req.key, req.owner, lease.id, req.timeoutMs))
      .then(
        (answer) => ({ answer, error: undefined }),
        (error: unknown) => ({ answer: undefined, error }),
      );
    const [ttl, { answer, error }] = await Promise.all([keepalive, txn]);
    if (ttl > 0) lease.renewedSentAt = sentAt;
    else if (ttl === 0 && this.leases.get(ttlS) === lease) this.leases.delete(ttlS);
    if (error !== undefined) leaseGoneAs("lease-not-found")(error);
    if (!answer?.succeeded) throw new DefiniteFailure("held");
    if (!(ttl > 0)) {
      throw new Error("the txn took the lock but the lease's keepalive failed: it may end before its TTL");
    }
    return { token: answer.revision, leaseId: lease.id, leaseTtlS: ttlS };
  }

  /** The session lease kept alive (or a new one granted) first, then the txn. */
  private async acquireInTurn(req: AcquireRequest, ttlS: number): Promise<Facts> {
    const deadline = Date.now() + req.timeoutMs;
    const leaseId = await this.freshLease(ttlS, req.timeoutMs);
    const left = Math.max(1, deadline - Date.now());
    const res = await this.route
      .call((m) => m.putIfAbsent(req.key, req.owner, leaseId, left))
      .catch(leaseGoneAs("lease-not-found"));
    if (!res.succeeded) throw new DefiniteFailure("held");
    return { token: res.revision, leaseId, leaseTtlS: ttlS };
  }

  /**
   * The session lease of this TTL, just kept alive (its full TTL starts now), or a new one when there is
   * none yet or it has expired. Either step failing is a definite failure of the acquire: its txn was
   * never sent.
   */
  private async freshLease(ttlS: number, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    const current = this.leases.get(ttlS);
    if (current !== undefined) {
      const sentAt = performance.now();
      const ttl = await this.route
        .call((m) => m.leaseKeepAlive(current.id, timeoutMs))
        .catch(notSent("lease-keepalive")); // etcd answers a gone lease with TTL 0, not an error
      if (ttl > 0) {
        current.renewedSentAt = sentAt;
        return current.id;
      }
      this.leases.delete(ttlS);
    }
    const left = Math.max(1, deadline - Date.now());
    const sentAt = performance.now();
    const lease = await this.route.call((m) => m.leaseGrant(ttlS, left)).catch(notSent("lease-grant"));
    this.leases.set(ttlS, { id: lease.id, renewedSentAt: sentAt });
    return lease.id;
  }
}

interface Facts extends LockFacts {
  token: string;
  leaseId: string;
}

function id(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

export const etcdCas: LockDefinition = {
  name: "etcd-cas",
  topology: "etcd-cluster",
  description: "a session lease and one txn (create_revision == 0 then put); token = the txn's revision",
  ownerReads: true,
  tokenSource: "native",
  create: async (endpoints: Endpoints) => new EtcdCasLock(await LeaderFirst.connect(endpoints, "etcd-cas")),
};
