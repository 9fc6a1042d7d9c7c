// Live: etcd-cas's session lease (backends/etcd/clients/etcd-cas.ts) against a real 3-member etcd cluster.
// One lease serves a client's acquires; each acquire renews it, so a lock lasts its TTL from the acquire
// even when the lease is older; an expired lease is replaced; a release never deletes a key that another
// owner took after this owner's lease expired. The waits here let leases age: time is what is tested.

import { describe, expect, it } from "vitest";
import { DefiniteFailure } from "../../../backends/adapter.js";
import { type EtcdCasLock, etcdCas } from "../../../backends/etcd/clients/etcd-cas.js";
import { findBinary } from "../../../backends/install.js";
import { useLiveEtcd } from "../live-etcd.js";

const wait = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe.skipIf(!findBinary("etcd"))("etcd-cas session lease (live)", () => {
  const clients: EtcdCasLock[] = [];
  const etcd = useLiveEtcd("etcd-cas", async () => {
    for (const c of clients) await c.close();
  });
  const client = async () => {
    const c = (await etcdCas.create({ etcd: etcd.urls() })) as EtcdCasLock;
    clients.push(c);
    return c;
  };

  it("one lease serves a client's acquires, and the tokens grow", async () => {
    const c = await client();
    const a = await c.acquire({ key: "s-a", owner: "o1", ttlMs: 2_000, timeoutMs: 2_000 });
    const b = await c.acquire({ key: "s-b", owner: "o1", ttlMs: 2_000, timeoutMs: 2_000 });
    expect(b.leaseId).toBe(a.leaseId);
    expect(BigInt(b.token as string)).toBeGreaterThan(BigInt(a.token as string));
    await c.release({ key: "s-a", owner: "o1", timeoutMs: 2_000 });
    await c.release({ key: "s-b", owner: "o1", timeoutMs: 2_000 });
    expect(await c.owner({ key: "s-a", timeoutMs: 2_000 })).toBeNull();
  });

  it("an acquire on an aged lease still holds the lock for the whole TTL from the acquire", async () => {
    const c = await client();
    const reader = await client();
    await c.acquire({ key: "s-age", owner: "o1", ttlMs: 2_000, timeoutMs: 2_000 });
    await c.release({ key: "s-age", owner: "o1", timeoutMs: 2_000 });
    await wait(1_200); // the lease has ~0.8 s left: the next acquire sends keepalive and txn together
    const started = performance.now();
    await c.acquire({ key: "s-age", owner: "o2", ttlMs: 2_000, timeoutMs: 2_000 });
    // without the renewal the key would vanish ~0.8 s from now; it must outlive 1.5 s
    let lastSeen = 0;
    while (performance.now() - started < 4_000) {
      const owner = await reader.owner({ key: "s-age", timeoutMs: 1_000 });
      if (owner === null) break;
      expect(owner).toBe("o2");
      lastSeen = performance.now() - started;
      await wait(50);
    }
    expect(lastSeen).toBeGreaterThan(1_500);
    expect(lastSeen).toBeLessThan(4_000); // and it does expire (etcd lets a lease run to about TTL + 1 s)
  }, 15_000);

  it("after its lease expired, a client gets a new lease; its release does not delete the next owner's key", async () => {
    const a = await client();
    const b = await client();
    const first = await a.acquire({ key: "s-exp", owner: "A", ttlMs: 1_000, timeoutMs: 2_000 });
    const deadline = performance.now() + 5_000;
    let taken = false;
    while (!taken && performance.now() < deadline) {
      taken = await b.acquire({ key: "s-exp", owner: "B", ttlMs: 5_000, timeoutMs: 2_000 }).then(
        () => true,
        (err: unknown) => {
          expect(err).toBeInstanceOf(DefiniteFailure); // "held" while A's lease lives
          return false;
        },
      );
      if (!taken) await wait(100);
    }
    expect(taken).toBe(true);
    const release = await a.release({ key: "s-exp", owner: "A", timeoutMs: 2_000 }).catch((e: unknown) => e);
    expect(release).toBeInstanceOf(DefiniteFailure);
    expect((release as DefiniteFailure).reason).toBe("not-held");
    expect(await a.owner({ key: "s-exp", timeoutMs: 2_000 })).toBe("B");
    const again = await a.acquire({ key: "s-exp2", owner: "A", ttlMs: 1_000, timeoutMs: 2_000 });
    expect(again.leaseId).not.toBe(first.leaseId);
    await b.release({ key: "s-exp", owner: "B", timeoutMs: 2_000 });
  }, 15_000);
});
