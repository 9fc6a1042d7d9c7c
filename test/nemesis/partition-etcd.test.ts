// Live test: partitions and packet loss on a 3-member etcd cluster in network namespaces. Isolating the
// leader elects a new one and the old one steps down; healing converges; 30% loss makes requests fail;
// heal leaves no rule of the run behind.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EtcdCluster } from "../../backends/etcd/server.js";
import { isolate } from "../../nemesis/grudge.js";
import { iptablesIn, PacketFilter } from "../../nemesis/iptables.js";
import { Partitioner } from "../../nemesis/partition.js";
import { canRunLive, etcdGetLocal, etcdPut, LiveFixture, leaderViews, pollFor } from "./live-fixture.js";

describe.skipIf(!canRunLive)("partitions and loss on live etcd", () => {
  const fx = new LiveFixture("part");
  let cluster: EtcdCluster;
  let filter: PacketFilter;
  let parts: Partitioner;

  beforeAll(async () => {
    await fx.open();
    cluster = await fx.etcd();
    filter = new PacketFilter(fx.ledger, fx.ledger.runId);
    parts = new Partitioner(filter, () => fx.network.hosts);
    fx.onClose(() => filter.dispose());
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it("isolating the leader: a new leader, the old one steps down, convergence after heal", async () => {
    const names = cluster.members.map((m) => m.name);
    const old = await pollFor(async () => (await cluster.leader())?.name, 5_000, "a leader");
    const t0 = Date.now();
    await parts.partition(isolate(names, old));
    const fresh = await pollFor(
      async () => {
        const v = await leaderViews(cluster);
        const others = names.filter((n) => n !== old).map((n) => v.get(n));
        return others.every((l) => l && l !== old && l === others[0]) ? others[0] : undefined;
      },
      5_000,
      "a new leader among the majority",
    );
    const moved = Date.now() - t0;
    expect(fresh).not.toBe(old);
    const stepDown = await pollFor(
      async () => ((await leaderViews(cluster)).get(old) !== old ? true : undefined),
      5_000,
      "the old leader to step down",
    );
    expect(stepDown).toBe(true);
    // a write on the majority side cannot reach the isolated member while the partition holds
    const majority = cluster.members.find((m) => m.name === fresh)!;
    const isolated = cluster.members.find((m) => m.name === old)!;
    await etcdPut(majority, "nemesis/part", "during");
    await new Promise((r) => setTimeout(r, 300));
    expect(await etcdGetLocal(isolated, "nemesis/part")).toBeUndefined();
    console.log(`leader moved from ${old} to ${fresh} in ${moved} ms`);

    await parts.heal();
    expect(filter.rules().size).toBe(0);
    const agreed = await pollFor(
      async () => {
        const v = [...(await leaderViews(cluster)).values()];
        return v.every((l) => l && l === v[0]) ? v[0] : undefined;
      },
      10_000,
      "all members to agree on one leader",
    );
    expect(agreed).not.toBe("");
    const seen = await pollFor(
      async () => ((await etcdGetLocal(isolated, "nemesis/part")) === "during" ? true : undefined),
      10_000,
      "the isolated member to catch up",
    );
    expect(seen).toBe(true);
  }, 60_000);

  it("30% packet loss makes requests with a short deadline fail; heal removes it", async () => {
    const target = cluster.members[0];
    const attempt = async (n: number) => {
      let failed = 0;
      for (let i = 0; i < n; i++) {
        try {
          // a fresh connection each time, so handshakes are exposed to the loss too
          const res = await fetch(`${target.clientUrl}/health`, {
            signal: AbortSignal.timeout(150),
            headers: { connection: "close" },
          });
          await res.text();
        } catch {
          failed++;
        }
      }
      return failed;
    };
    const baseline = await attempt(30);
    await parts.loss([target.host.name], 0.3);
    const lossy = await attempt(60);
    await parts.heal();
    // Loss on a member can cost the cluster its leader; once healed, wait (polled, with a deadline) until
    // the member answers again before measuring that the loss is gone.
    const settleDeadline = Date.now() + 10_000;
    while ((await attempt(5)) > 0 && Date.now() < settleDeadline) {}
    const after = await attempt(30);
    console.log(`failures: ${baseline}/30 before, ${lossy}/60 with 30% loss, ${after}/30 after heal`);
    expect(baseline).toBe(0);
    expect(lossy).toBeGreaterThanOrEqual(5);
    expect(after).toBe(0);
  }, 60_000);

  it("dispose leaves no chain of the run in any namespace", async () => {
    await filter.dispose();
    for (const h of fx.network.hosts) {
      const rules = await iptablesIn(h.netns!, ["-S"]);
      expect(rules).not.toContain(filter.chain);
    }
  });
});
