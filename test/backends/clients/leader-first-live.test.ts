// Live: etcd-cas sends its calls to the etcd leader (backends/etcd/clients/leader-first.ts). Against a real
// 3-member cluster started through the project's provisioning: a fresh client is on the leader; when the
// leader is SIGKILLed, the call that loses its answer is not re-sent (it is recorded as what it is), the next
// call goes to another member, and the client finds the new leader by itself.

import { describe, expect, it } from "vitest";
import { DefiniteFailure } from "../../../backends/adapter.js";
import type { EtcdCasLock } from "../../../backends/etcd/clients/etcd-cas.js";
import { etcdCas } from "../../../backends/etcd/clients/etcd-cas.js";
import { findBinary } from "../../../backends/install.js";
import { waitUntil } from "../../../nemesis/processes.js";
import { useLiveEtcd } from "../live-etcd.js";

describe.skipIf(!findBinary("etcd"))("etcd-cas goes to the leader (live)", () => {
  const etcd = useLiveEtcd("leader-first");
  const urls = () => ({ etcd: etcd.urls() });
  const leaderIndex = async () => {
    const leader = await etcd.deployment.etcd!.leader(500);
    return leader ? etcd.deployment.etcd!.members.indexOf(leader) : -1;
  };

  it("a new client is on the leader, and stays there while calls succeed", async () => {
    const lock = (await etcdCas.create(urls())) as EtcdCasLock;
    try {
      expect(lock.route.currentMember).toBe(await leaderIndex());
      for (let i = 0; i < 5; i++) {
        await lock.acquire({ key: "lf-a", owner: `o${i}`, ttlMs: 2_000, timeoutMs: 2_000 });
        await lock.release({ key: "lf-a", owner: `o${i}`, timeoutMs: 2_000 });
      }
      expect(lock.route.currentMember).toBe(await leaderIndex());
    } finally {
      await lock.close();
    }
  });

  it("after the leader's SIGKILL: one failed call, not re-sent; then another member, then the new leader", async () => {
    const lock = (await etcdCas.create(urls())) as EtcdCasLock;
    const old = await leaderIndex();
    expect(lock.route.currentMember).toBe(old);
    try {
      await etcd.deployment.etcd!.members[old].kill();
      const req = { key: "lf-b", owner: "k1", ttlMs: 2_000, timeoutMs: 1_000 };
      const first = await lock.acquire(req).then(
        () => "ok",
        (err: unknown) => (err instanceof DefiniteFailure ? `fail ${err.reason}` : "info"),
      );
      // the grant's connection is gone, so the txn was never sent: a definite failure of the acquire
      expect(first).toMatch(/^fail lease-grant/);
      expect(lock.route.currentMember).not.toBe(old);
      // the next calls reach the cluster through another member; the client then settles on the new leader
      // an acquire whose answer came too late (info) may still have taken the key; a retry would then be
      // refused as "held" for as long as the session lease lives, so the owner read settles it
      let acquired: "answered" | "found" | undefined;
      await waitUntil(
        async () => {
          acquired ??= await lock.acquire({ ...req, owner: "k2" }).then(
            () => "answered" as const,
            async () =>
              (await lock.owner({ key: "lf-b", timeoutMs: 1_000 }).catch(() => null)) === "k2"
                ? ("found" as const)
                : undefined,
          );
          const now = await leaderIndex();
          return acquired !== undefined && now >= 0 && now !== old && lock.route.currentMember === now;
        },
        10_000,
        "etcd-cas on the new leader",
      );
      expect(await lock.owner({ key: "lf-b", timeoutMs: 1_000 })).toBe("k2");
      if (acquired === "answered") await lock.release({ key: "lf-b", owner: "k2", timeoutMs: 1_000 });
    } finally {
      await lock.close();
      await etcd.deployment.etcd!.members[old].restart();
    }
  }, 30_000);
});
