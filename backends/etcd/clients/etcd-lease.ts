// `etcd-lease`: a hand-rolled lease lock. Each client keeps one session (an etcd lease) alive with a
// keepalive watchdog; acquire refreshes the session (so the lease's remaining time starts after the
// invocation) and runs the etcd-cas txn with the session's lease; the fencing token is the key's
// revision, and release deletes the key only if its mod revision is still that token (revision
// fencing), keeping the session. When the watchdog has not had a keepalive confirmed for a whole TTL,
// the session is treated as lost: the client stops claiming its locks. It must never retry a txn.

import type { Etcd3 } from "etcd3";
import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../../adapter.js";
import { withDeadline } from "../../clients/deadline.js";
import type { Endpoints, LockDefinition } from "../../registry.js";
import { callDeadline, classifyLease, connectEtcd, leaseSeconds, notSent } from "./connection.js";
import { keepAliveOnce } from "./lease-keepalive.js";

interface Session {
  leaseId: string;
  ttlS: number;
  /** Date.now() when the last keepalive that etcd confirmed was sent. */
  confirmedSentAt: number;
  lost: boolean;
}

export class EtcdLeaseLock implements LockClient {
  private session?: Session;
  private readonly held = new Map<string, string>(); // lock id -> token (mod revision)
  private watchdog?: NodeJS.Timeout;
  private watchdogBusy = false;

  constructor(private readonly client: Etcd3) {}

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const deadline = Date.now() + req.timeoutMs;
    const session = await this.freshSession(req.ttlMs, req.timeoutMs).catch(notSent("session"));
    const left = Math.max(1, deadline - Date.now());
    const key = Buffer.from(req.key);
    const txn = this.client.kv.txn(
      {
        compare: [{ key, target: "Create", result: "Equal", create_revision: 0 }],
        success: [{ request_put: { key, value: Buffer.from(req.owner), lease: session.leaseId } }],
      },
      callDeadline(left),
    );
    const res = await withDeadline(txn, left, "acquire txn").catch(classifyLease("lease-not-found"));
    if (!res.succeeded) throw new DefiniteFailure("held");
    const token = res.header.revision;
    this.held.set(id(req.key, req.owner), token);
    this.startWatchdog();
    return { token, session: session.leaseId };
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const token = this.held.get(id(req.key, req.owner));
    const session = this.session;
    if (token === undefined || !session) throw new DefiniteFailure("not-held");
    if (session.lost) throw new DefiniteFailure("session-lost");
    const sentAt = Date.now();
    const ttl = await keepAliveOnce(this.client, session.leaseId, req.timeoutMs).catch(
      classifyLease("lease-not-found"),
    );
    if (!(ttl > 0)) {
      session.lost = true;
      throw new DefiniteFailure("lease-expired");
    }
    session.confirmedSentAt = Math.max(session.confirmedSentAt, sentAt);
    return { token, session: session.leaseId };
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    const token = this.held.get(id(req.key, req.owner));
    if (token === undefined) throw new DefiniteFailure("not-held");
    this.held.delete(id(req.key, req.owner));
    const key = Buffer.from(req.key);
    const txn = this.client.kv.txn(
      {
        compare: [{ key, target: "Mod", result: "Equal", mod_revision: token }],
        success: [{ request_delete_range: { key } }],
      },
      callDeadline(req.timeoutMs),
    );
    const res = await withDeadline(txn, req.timeoutMs, "release txn");
    if (!res.succeeded) throw new DefiniteFailure("not-held");
  }

  async owner(req: { key: string; timeoutMs: number }): Promise<string | null> {
    const range = this.client.kv.range({ key: Buffer.from(req.key) }, callDeadline(req.timeoutMs));
    const res = await withDeadline(range, req.timeoutMs, "owner");
    return res.kvs.length === 0 ? null : res.kvs[0].value.toString();
  }

  async close(): Promise<void> {
    if (this.watchdog) clearInterval(this.watchdog);
    const session = this.session;
    if (session && !session.lost) {
      await this.client.leaseClient.leaseRevoke({ ID: session.leaseId }, callDeadline(1000)).catch(() => {});
    }
    this.client.close();
  }

  /** The session refreshed now (keepalive sent after the caller's invocation), or a new one. */
  private async freshSession(ttlMs: number, timeoutMs: number): Promise<Session> {
    const ttlS = leaseSeconds(ttlMs);
    const current = this.session;
    if (current && !current.lost && current.ttlS === ttlS) {
      const sentAt = Date.now();
      const ttl = await keepAliveOnce(this.client, current.leaseId, timeoutMs).catch(() => 0);
      if (ttl > 0) {
        current.confirmedSentAt = Math.max(current.confirmedSentAt, sentAt);
        return current;
      }
      current.lost = true;
    }
    this.held.clear(); // whatever the old session held has ended with it
    const sentAt = Date.now();
    const grant = this.client.leaseClient.leaseGrant({ TTL: ttlS }, callDeadline(timeoutMs));
    const lease = await withDeadline(grant, timeoutMs, "session grant");
    this.session = { leaseId: lease.ID, ttlS, confirmedSentAt: sentAt, lost: false };
    return this.session;
  }

  /** Keep the session alive every third of its TTL; declare it lost once a TTL passes unconfirmed. */
  private startWatchdog(): void {
    if (this.watchdog) return;
    this.watchdog = setInterval(() => void this.watch(), 300);
    this.watchdog.unref();
  }

  private async watch(): Promise<void> {
    const session = this.session;
    if (!session || session.lost || this.watchdogBusy) return;
    const now = Date.now();
    if (now - session.confirmedSentAt >= session.ttlS * 1000) {
      session.lost = true;
      this.held.clear();
      return;
    }
    if (now - session.confirmedSentAt < (session.ttlS * 1000) / 3) return;
    this.watchdogBusy = true;
    try {
      const ttl = await keepAliveOnce(this.client, session.leaseId, (session.ttlS * 1000) / 3).catch(
        () => -1,
      );
      if (ttl > 0) session.confirmedSentAt = Math.max(session.confirmedSentAt, now);
      else if (ttl === 0) {
        session.lost = true;
        this.held.clear();
      }
    } finally {
      this.watchdogBusy = false;
    }
  }
}

function id(key: string, owner: string): string {
  return `${key}\u0000${owner}`;
}

export const etcdLease: LockDefinition = {
  name: "etcd-lease",
  topology: "etcd-cluster",
  description: "etcd-cas on a kept-alive session lease, with a keepalive watchdog and revision fencing",
  ownerReads: true,
  tokenSource: "native",
  create: async (endpoints: Endpoints) => new EtcdLeaseLock(connectEtcd(endpoints, "etcd-lease")),
};
