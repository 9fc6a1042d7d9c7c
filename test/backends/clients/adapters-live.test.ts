// Live: every built-in lock client against real servers started by the project's provisioning
// (backends/provisioner.ts): the lock's semantics (held, not-held, owner, tokens that grow) and the
// recording rules (a paused server makes a call miss its deadline as a non-definite error).
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DefiniteFailure, type LockClient } from "../../../backends/adapter.js";
import type { Deployment } from "../../../backends/provisioner.js";
import { LocalProvisioner } from "../../../backends/provisioner.js";
import type { FollowingPrimaryLock } from "../../../backends/redis/clients/redis-replicated.js";
import { builtinLockNames, type Endpoints, resolveLock, type Topology } from "../../../backends/registry.js";
import { undoLive } from "../../../nemesis/cleanup.js";
import { Ledger } from "../../../nemesis/ledger.js";
import { clientEndpoints, provisionTopology } from "../../../runner/topology.js";

const dir = mkdtempSync(join(tmpdir(), "locksmith-adapters-live-"));
const ledger = new Ledger(`adapters-live-${randomBytes(3).toString("hex")}`, join(dir, "state"));
let provisioner: LocalProvisioner;
const deployments = new Map<Topology, Deployment>();
const endpoints = new Map<Topology, Endpoints>();

beforeAll(async () => {
  provisioner = await LocalProvisioner.create({ runId: ledger.runId, ledger, tempRoot: dir });
  for (const topology of ["redis-single", "redis-replicated", "redis-five", "etcd-cluster"] as const) {
    const d = await provisioner.start(provisionTopology(topology));
    deployments.set(topology, d);
    endpoints.set(topology, clientEndpoints(topology, d));
  }
}, 180_000);

afterAll(async () => {
  await provisioner?.stop();
  await undoLive(ledger);
  ledger.close();
  rmSync(dir, { recursive: true, force: true });
});

async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    const v = await p;
    return `ok ${JSON.stringify(v ?? null)}`;
  } catch (err) {
    return err instanceof DefiniteFailure ? `fail ${err.reason}` : `info ${(err as Error).name}`;
  }
}

describe("lock clients against live servers", () => {
  for (const name of builtinLockNames()) {
    it(`${name}: held / not-held / release / growing tokens`, async () => {
      const def = await resolveLock(name);
      const eps = endpoints.get(def.topology) as Endpoints;
      const a: LockClient = await def.create(eps);
      const b: LockClient = await def.create(eps);
      const key = `t-${name}-${randomBytes(3).toString("hex")}`;
      const t = 1_500;
      try {
        const first = await a.acquire({ key, owner: "a1", ttlMs: 3_000, timeoutMs: t });
        expect(first.token).toMatch(/^\d+$/);
        // a second owner is refused while the first holds it (the Lock RPC queues: it misses its deadline)
        const second = await outcome(b.acquire({ key, owner: "b1", ttlMs: 3_000, timeoutMs: 400 }));
        expect(second).toBe(name === "etcd-lock-rpc" ? "info TimeoutError" : "fail held");
        if (def.ownerReads) expect(await a.owner({ key, timeoutMs: t })).toBe("a1");
        expect(await outcome(a.renew({ key, owner: "a1", ttlMs: 3_000, timeoutMs: t }))).toMatch(/^ok/);
        // a release by someone who does not hold it: refused, except by the naive lock, which deletes it
        const wrong = await outcome(b.release({ key, owner: "b1", timeoutMs: t }));
        expect(wrong).toBe(name === "naive" ? "ok null" : "fail not-held");
        if (name === "naive") expect(await a.owner({ key, timeoutMs: t })).toBeNull();
        expect(await outcome(a.release({ key, owner: "a1", timeoutMs: t }))).toBe("ok null");
        const again = await outcome(a.release({ key, owner: "a1", timeoutMs: t }));
        expect(again).toBe(name === "naive" ? "ok null" : "fail not-held");
        const next = await b.acquire({ key, owner: "b2", ttlMs: 3_000, timeoutMs: t });
        expect(BigInt(next.token as string)).toBeGreaterThan(BigInt(first.token as string));
        await b.release({ key, owner: "b2", timeoutMs: t });
      } finally {
        await a.close();
        await b.close();
      }
    }, 60_000);
  }

  it("calls to paused servers keep their deadlines; only what was never sent is a definite failure", async () => {
    const cases = [
      { name: "redis-single", topology: "redis-single", f: "acquire", expected: /^info DeadlineExceeded$/ },
      { name: "etcd-cas", topology: "etcd-cluster", f: "owner", expected: /^info / },
      // the lease grant misses its deadline, so the txn was never sent: a definite failure
      { name: "etcd-cas", topology: "etcd-cluster", f: "acquire", expected: /^fail lease-grant/ },
    ] as const;
    for (const c of cases) {
      const def = await resolveLock(c.name);
      const client = await def.create(endpoints.get(c.topology) as Endpoints);
      const servers = (deployments.get(c.topology) as Deployment).servers;
      try {
        for (const s of servers) expect(s.signal("SIGSTOP")).toBe(true);
        const started = Date.now();
        const req = { key: `paused-${c.name}`, owner: "p", ttlMs: 2_000, timeoutMs: 300 };
        const result = await outcome(c.f === "acquire" ? client.acquire(req) : client.owner(req));
        expect(result, `${c.name} ${c.f}`).toMatch(c.expected);
        expect(Date.now() - started).toBeLessThan(3_000);
      } finally {
        for (const s of servers) s.signal("SIGCONT");
        await client.close();
      }
    }
  }, 60_000);

  it("redis-replicated follows a promoted replica: the failed call is not re-sent, the next one goes there", async () => {
    const deployment = deployments.get("redis-replicated") as Deployment;
    const redis = deployment.redis;
    if (!redis?.replica) throw new Error("no replica");
    const def = await resolveLock("redis-replicated");
    const client = (await def.create(endpoints.get("redis-replicated") as Endpoints)) as FollowingPrimaryLock;
    try {
      const before = await client.acquire({ key: "f1", owner: "a", ttlMs: 5_000, timeoutMs: 1_000 });
      expect(before.token).toBe("1");
      expect(client.currentNode).toBe(0);
      // a replica's copy may lag: an owner read there is refused, not answered
      const replicaOnly = await def.create({
        redis: [(endpoints.get("redis-replicated") as Endpoints).redis![1]],
      });
      expect(await outcome(replicaOnly.owner({ key: "f1", timeoutMs: 1_000 }))).toMatch(/^fail not-primary/);
      await replicaOnly.close();
      await redis.replica.promote();
      await redis.primary.kill();
      const during = await outcome(client.acquire({ key: "f2", owner: "a", ttlMs: 5_000, timeoutMs: 500 }));
      expect(during).not.toMatch(/^ok/);
      expect(client.currentNode).toBe(1);
      const after = await outcome(client.acquire({ key: "f3", owner: "a", ttlMs: 5_000, timeoutMs: 1_000 }));
      expect(after).toMatch(/^ok /);
      expect(await client.owner({ key: "f3", timeoutMs: 1_000 })).toBe("a");
    } finally {
      await client.close();
    }
  }, 60_000);
});
