// Live test: the composed fault package driven against a 3-member etcd cluster through the runtime API the
// runner uses. Every fault of the plan starts and stops with recorded ops in pairs, the final heal leaves
// no rule, no paused process and no dead member, and the cluster agrees on one leader afterwards.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EtcdCluster } from "../../backends/etcd/server.js";
import { parseFaultList } from "../../nemesis/faults.js";
import { iptablesIn } from "../../nemesis/iptables.js";
import { packagesFor } from "../../nemesis/package.js";
import { readProcState } from "../../nemesis/processes.js";
import { NemesisRuntime } from "../../nemesis/runtime.js";
import { NemesisDriver, type NemesisEvent } from "../../nemesis/schedule.js";
import { canRunLive, LiveFixture, leaderViews, pollFor } from "./live-fixture.js";

const seeded = (seed: number) => {
  let s = seed >>> 0 || 7;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
};

describe.skipIf(!canRunLive)("the nemesis driver on live etcd", () => {
  const fx = new LiveFixture("driver");
  let cluster: EtcdCluster;
  let nem: NemesisRuntime;
  const faults = parseFaultList("kill,pause,partition,loss,failover");

  beforeAll(async () => {
    await fx.open();
    nem = await NemesisRuntime.prepare({ ledger: fx.ledger, dir: fx.dir, faults });
    fx.onClose(() => nem.dispose());
    cluster = await fx.etcd(nem.serverEnv());
    await nem.attach(
      fx.network,
      {
        system: "etcd",
        servers: cluster.members,
        clients: [],
        leader: async () => (await cluster.leader())?.name,
      },
      [],
    );
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it("runs every fault once, records start/stop pairs, and heals everything", async () => {
    const events: NemesisEvent[] = [];
    const driver = new NemesisDriver(packagesFor(faults), nem.context(seeded(42)), (e) => events.push(e));
    expect(driver.runnable().sort()).toEqual([...faults].sort());
    const plan = faults.map((fault, i) => ({ atMs: i * 1_600, fault, holdMs: 700 }));
    await driver.run(plan);
    const summary = await driver.finish(200);
    console.log(events.map((e) => `${e.type} ${e.f} ${JSON.stringify(e.value ?? e.error ?? "")}`).join("\n"));
    expect(summary.started).toBe(faults.length);
    expect(summary.stopped).toBe(faults.length);
    // invoke/ok pairs, in order, and the final heal last
    for (let i = 0; i < events.length; i += 2) {
      expect(events[i].type).toBe("invoke");
      expect(events[i + 1].type).toBe("ok");
      expect(events[i + 1].f).toBe(events[i].f);
    }
    expect(events.at(-1)?.f).toBe("heal-all");
    // nothing left: no rule in any chain, no paused pid, every member running, one leader
    for (const h of fx.network.hosts) {
      const rules = await iptablesIn(h.netns!, ["-S", nem.filter!.chain]).catch(() => "");
      expect(rules.split("\n").filter((l) => l.startsWith("-A")).length).toBe(0);
    }
    expect(nem.pauser.pausedPids()).toEqual([]);
    for (const m of cluster.members) {
      expect(m.running).toBe(true);
      expect(readProcState(m.pid!)).not.toBe("T");
    }
    const agreed = await pollFor(
      async () => {
        const v = [...(await leaderViews(cluster)).values()];
        return v.every((l) => l && l === v[0]) ? v[0] : undefined;
      },
      10_000,
      "one leader",
    );
    expect(agreed).toMatch(/^etcd/);
  }, 90_000);
});
