// `etcd-cas`: a fresh lease plus one txn per acquire: if create_revision(key) == 0 then put(key, owner,
// lease). The fencing token is the txn's revision (the key's create revision). Renew is one keepalive of
// that lease; release revokes it (which deletes the key: only this owner's key is attached to it).
// Errors before the txn is sent are definite failures; a txn without an answer is indeterminate.
// Calls go to the leader when it is known (leader-first.ts): 3 RPCs per acquire+release cycle (grant, txn,
// revoke), none forwarded by a follower. It must never retry a txn.

import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { callDeadline, classifyLease, leaseSeconds, notSent } from "./connection.js";
import { LeaderFirst } from "./leader-first.js";
import { keepAliveOnce } from "./lease-keepalive.js";

interface Held {
  leaseId: string;
  token: string;
}

export class EtcdCasLock implements LockClient {
  private readonly held = new Map<string, Held>();

  constructor(readonly route: LeaderFirst) {}

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const deadline = Date.now() + req.timeoutMs;
    const lease = await this.route
      .call(
        (c) => c.leaseClient.leaseGrant({ TTL: leaseSeconds(req.ttlMs) }, callDeadline(req.timeoutMs)),
        req.timeoutMs,
        "lease grant",
      )
      .catch(notSent("lease-grant"));
    const left = Math.max(1, deadline - Date.now());
    const key = Buffer.from(req.key);
    const res = await this.route
      .call(
        (c) =>
          c.kv.txn(
            {
              compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
              success: [{ request_put: { key, value: Buffer.from(req.owner), lease: lease.ID } }],
            },
            callDeadline(left),
          ),
        left,
        "acquire txn",
      )
      .catch(classifyLease("lease-not-found"));
    if (!res.succeeded) {
      this.revokeQuietly(lease.ID, left);
      throw new DefiniteFailure("held");
    }
    const token = res.header.revision;
    this.held.set(id(req.key, req.owner), { leaseId: lease.ID, token });
    return { token, leaseId: lease.ID, leaseTtlS: leaseSeconds(req.ttlMs) };
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    const ttl = await this.route
      .call((c) => keepAliveOnce(c, held.leaseId, req.timeoutMs), req.timeoutMs, "keepalive")
      .catch(classifyLease("lease-not-found"));
    if (!(ttl > 0)) throw new DefiniteFailure("lease-expired");
    return { token: held.token, leaseId: held.leaseId };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    this.held.delete(id(req.key, req.owner));
    await this.route
      .call(
        (c) => c.leaseClient.leaseRevoke({ ID: held.leaseId }, callDeadline(req.timeoutMs)),
        req.timeoutMs,
        "release",
      )
      .catch(classifyLease("not-held"));
  }

  async owner(req: { key: string; timeoutMs: number }): Promise<string | null> {
    const res = await this.route.call(
      (c) => c.kv.range({ key: Buffer.from(req.key) }, callDeadline(req.timeoutMs)),
      req.timeoutMs,
      "owner",
    );
    return res.kvs.length === 0 ? null : res.kvs[0].value.toString();
  }

  async close(): Promise<void> {
    this.route.close();
  }

  private revokeQuietly(leaseId: string, timeoutMs: number): void {
    this.route.client.leaseClient.leaseRevoke({ ID: leaseId }, callDeadline(timeoutMs)).catch(() => {});
  }
}

function id(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

export const etcdCas: LockDefinition = {
  name: "etcd-cas",
  topology: "etcd-cluster",
  description: "a lease and one txn (create_revision == 0 then put); token = the txn's revision",
  ownerReads: true,
  tokenSource: "native",
  create: async (endpoints: Endpoints) => new EtcdCasLock(await LeaderFirst.connect(endpoints, "etcd-cas")),
};
