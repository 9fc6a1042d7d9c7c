// `etcd3-lock`: the etcd3 package's own `client.lock(key)`, used as a user of that library would. Its
// acquire is a fail-fast CAS on a fresh lease that the library then keeps alive in the background, and it
// returns no token: this adapter reads the key's create revision afterwards as the token (when the key is
// still on its lease). The library stores an empty value, so owner reads are not supported.
// It must never retry what the library did not.

import { type Etcd3, EtcdLockFailedError, type Lease, type Lock } from "etcd3";
import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import { withDeadline } from "../../clients/deadline.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { callDeadline, classifyLease, connectEtcd, leaseSeconds } from "./connection.js";

interface Held {
  lock: Lock;
  token?: string;
}

export class Etcd3LibraryLock implements LockClient {
  private readonly held = new Map<string, Held>();

  constructor(private readonly client: Etcd3) {}

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const deadline = Date.now() + req.timeoutMs;
    const lock = this.client.lock(req.key).ttl(leaseSeconds(req.ttlMs)).options(callDeadline(req.timeoutMs));
    try {
      await withDeadline(lock.acquire(), req.timeoutMs, "acquire");
    } catch (err) {
      if (err instanceof EtcdLockFailedError) throw new DefiniteFailure("held");
      leaseOf(lock)?.release(); // stop the library's keepalives of a lease we will never use
      throw err;
    }
    const held: Held = { lock };
    this.held.set(id(req.key, req.owner), held);
    held.token = await this.readToken(req.key, lock, Math.max(1, deadline - Date.now()));
    return held.token === undefined ? {} : { token: held.token };
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const held = this.held.get(id(req.key, req.owner));
    const lease = held && leaseOf(held.lock);
    if (!held || !lease) throw new DefiniteFailure("not-held");
    const res = await withDeadline(
      lease.keepaliveOnce(callDeadline(req.timeoutMs)),
      req.timeoutMs,
      "renew",
    ).catch(classifyLease("lease-not-found"));
    if (!(Number(res.TTL) > 0)) throw new DefiniteFailure("lease-expired");
    return held.token === undefined ? {} : { token: held.token };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    const held = this.held.get(id(req.key, req.owner));
    if (!held) throw new DefiniteFailure("not-held");
    this.held.delete(id(req.key, req.owner));
    held.lock.options(callDeadline(req.timeoutMs)); // the library reuses the acquire's call options otherwise
    await withDeadline(held.lock.release(), req.timeoutMs, "release").catch(classifyLease("not-held"));
  }

  async owner(): Promise<string | null> {
    throw new Error("etcd3's lock stores an empty value: owner reads are not supported");
  }

  async close(): Promise<void> {
    for (const held of this.held.values()) leaseOf(held.lock)?.release();
    this.client.close();
  }

  /** The key's create revision, if the key is on this lock's lease; undefined when it cannot be told. */
  private async readToken(key: string, lock: Lock, timeoutMs: number): Promise<string | undefined> {
    try {
      const leaseId = await withDeadline(lock.leaseId(), timeoutMs, "lease id");
      const res = await withDeadline(
        this.client.kv.range({ key: Buffer.from(key) }, callDeadline(timeoutMs)),
        timeoutMs,
        "token read",
      );
      const kv = res.kvs[0];
      return kv && leaseId !== null && kv.lease === leaseId ? kv.create_revision : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The lease inside an etcd3 Lock (the library keeps it private; it is there once acquire started). */
function leaseOf(lock: Lock): Lease | undefined {
  return (lock as unknown as { lease?: Lease }).lease;
}

function id(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

export const etcd3Lock: LockDefinition = {
  name: "etcd3-lock",
  topology: "etcd-cluster",
  description: "the etcd3 package's own client.lock() (fail-fast CAS on a kept-alive lease)",
  ownerReads: false,
  tokenSource: "native",
  create: async (endpoints: Endpoints) => new Etcd3LibraryLock(connectEtcd(endpoints, "etcd3-lock")),
};
