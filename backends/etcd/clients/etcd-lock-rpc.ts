// `etcd-lock-rpc`: etcd's server-side Lock RPC (v3lock), reached over etcd's JSON gateway: acquire grants
// a lease (POST /v3/lease/grant) and calls POST /v3/lock/lock, which queues the caller behind earlier
// waiters and answers once it holds the lock; the token is that answer's header revision (it grows from
// one holder to the next). Renew is one POST /v3/lease/keepalive; release revokes the lease (which
// deletes the lock key, and says "lease not found" when the lock had already ended, which Unlock would
// not tell). A Lock call that outlives its deadline is indeterminate: its lease is revoked (best effort)
// so the queued request cannot be granted later. Owner reads are not supported (the lock key holds no
// owner id). It must never retry a request.

import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { leaseSeconds } from "./connection.js";

interface Held {
  leaseId: string;
  token: string;
}

/** An answer of the gateway that carries a gRPC error (HTTP status other than 200). */
class GatewayError extends Error {
  constructor(
    readonly code: number,
    message: string,
  ) {
    super(message);
    this.name = "GatewayError";
  }
}

const GRPC_NOT_FOUND = 5;

export class EtcdLockRpcLock implements LockClient {
  private readonly held = new Map<string, Held>();

  constructor(private readonly baseUrl: string) {}

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const deadline = Date.now() + req.timeoutMs;
    let leaseId: string;
    try {
      const grant = await this.post<{ ID: string }>(
        "/v3/lease/grant",
        { TTL: leaseSeconds(req.ttlMs) },
        req.timeoutMs,
      );
      leaseId = grant.ID;
    } catch (err) {
      throw new DefiniteFailure(`lease-grant: ${(err as Error).message}`); // the lock was never asked for
    }
    try {
      const res = await this.post<{ header: { revision: string }; key: string }>(
        "/v3/lock/lock",
        { name: Buffer.from(req.key).toString("base64"), lease: leaseId },
        Math.max(1, deadline - Date.now()),
      );
      const token = res.header.revision;
      this.held.set(id(req.key, req.owner), { leaseId, token });
      return { token, leaseId, lockKey: Buffer.from(res.key, "base64").toString() };
    } catch (err) {
      if (err instanceof GatewayError && err.code === GRPC_NOT_FOUND)
        throw new DefiniteFailure("lease-not-found");
      this.post("/v3/lease/revoke", { ID: leaseId }, 1000).catch(() => {});
      throw err;
    }
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    const res = await this.post<{ result?: { TTL?: string } }>(
      "/v3/lease/keepalive",
      { ID: held.leaseId },
      req.timeoutMs,
    );
    if (!(Number(res.result?.TTL ?? 0) > 0)) throw new DefiniteFailure("lease-expired");
    return { token: held.token, leaseId: held.leaseId };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    this.held.delete(id(req.key, req.owner));
    try {
      await this.post("/v3/lease/revoke", { ID: held.leaseId }, req.timeoutMs);
    } catch (err) {
      if (err instanceof GatewayError && err.code === GRPC_NOT_FOUND) throw new DefiniteFailure("not-held");
      throw err;
    }
  }

  async owner(): Promise<string | null> {
    throw new Error("etcd's Lock RPC keeps no owner id in the lock key: owner reads are not supported");
  }

  async close(): Promise<void> {
    const leases = [...this.held.values()].map((h) => h.leaseId);
    this.held.clear();
    await Promise.all(leases.map((ID) => this.post("/v3/lease/revoke", { ID }, 1000).catch(() => {})));
  }

  /** One POST to the gateway with a deadline; a refused connection is a definite failure. */
  private async post<T>(path: string, body: unknown, timeoutMs: number): Promise<T> {
    let response: Response;
    try {
      response = await fetch(`${this.baseUrl}${path}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(Math.max(1, timeoutMs)),
      });
    } catch (err) {
      const cause = (err as { cause?: { code?: string } }).cause;
      if (cause?.code === "ECONNREFUSED") throw new DefiniteFailure(`unavailable: ${path} refused`);
      throw err;
    }
    const text = await response.text();
    // keepalive answers as a stream of JSON objects, one per line: the first is ours
    const parsed = JSON.parse(text.split("\n")[0] || "{}") as T & { error?: string; code?: number };
    if (!response.ok || parsed.error) {
      throw new GatewayError(parsed.code ?? -1, `${path}: ${parsed.error ?? response.statusText}`);
    }
    return parsed;
  }
}

function id(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

let created = 0;

export const etcdLockRpc: LockDefinition = {
  name: "etcd-lock-rpc",
  topology: "etcd-cluster",
  description: "etcd's server-side Lock RPC over the JSON gateway (queues waiters); token = answer revision",
  ownerReads: false,
  tokenSource: "native",
  create: async (endpoints: Endpoints) => {
    const urls = endpoints.etcd ?? [];
    if (urls.length === 0) throw new Error("etcd-lock-rpc needs etcd endpoints");
    const url = urls[(process.pid + created++) % urls.length];
    return new EtcdLockRpcLock(url.replace(/\/+$/, ""));
  },
};
