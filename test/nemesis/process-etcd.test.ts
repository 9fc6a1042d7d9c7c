// Live test: pause and kill of etcd members. Pausing the leader elects a new one within 2 s and resuming
// brings it back; a killed member is down, and after a restart it has the writes made while it was down.
// A paused pid is in the ledger until it is resumed.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type EtcdCluster, memberHealthy } from "../../backends/etcd/server.js";
import { Pauser } from "../../nemesis/pause.js";
import { readProcState } from "../../nemesis/processes.js";
import { canRunLive, etcdGetLocal, etcdPut, LiveFixture, leaderViews, pollFor } from "./live-fixture.js";

describe.skipIf(!canRunLive)("pause and kill on live etcd", () => {
  const fx = new LiveFixture("proc");
  let cluster: EtcdCluster;
  let pauser: Pauser;

  beforeAll(async () => {
    await fx.open();
    cluster = await fx.etcd();
    pauser = new Pauser(fx.ledger);
    fx.onClose(() => pauser.resumeAll());
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it("pausing the leader: a new leader within 2 s; resume rejoins", async () => {
    const old = await pollFor(async () => await cluster.leader(), 5_000, "a leader");
    await leaderViews(cluster); // learn every member's id while all answer
    const pid = old.pid!;
    const t0 = Date.now();
    expect(pauser.pause(pid)).toBe(true);
    expect(await pauser.waitStopped(pid)).toBe(true);
    expect(fx.ledger.outstanding().some((o) => o.resource.kind === "paused" && o.resource.pid === pid)).toBe(
      true,
    );
    const others = cluster.members.filter((m) => m !== old).map((m) => m.name);
    const fresh = await pollFor(
      async () => {
        const v = await leaderViews(cluster);
        const ls = others.map((n) => v.get(n));
        return ls.every((l) => l && !l.startsWith("?") && l !== old.name && l === ls[0]) ? ls[0] : undefined;
      },
      2_000,
      "a new leader",
    );
    const elapsed = Date.now() - t0;
    console.log(`paused ${old.name}; leader moved to ${fresh} in ${elapsed} ms`);
    expect(elapsed).toBeLessThan(2_000);
    pauser.resume(pid);
    expect(readProcState(pid)).not.toBe("T");
    expect(fx.ledger.outstanding().some((o) => o.resource.kind === "paused")).toBe(false);
    await pollFor(
      async () => ((await memberHealthy(old)) ? true : undefined),
      10_000,
      "the paused member healthy",
    );
  }, 30_000);

  it("kill: the member is down; restarted, it has the writes made meanwhile", async () => {
    const victim = cluster.members[2];
    const pidBefore = victim.pid!;
    await victim.kill();
    expect(victim.running).toBe(false);
    expect(await memberHealthy(victim)).toBe(false);
    const live = cluster.members.filter((m) => m !== victim);
    await pollFor(
      async () => {
        await etcdPut(live[0], "nemesis/kill", "while-down");
        return true;
      },
      5_000,
      "a write",
    );
    await victim.restart();
    expect(victim.pid).not.toBe(pidBefore);
    const got = await pollFor(
      async () => ((await etcdGetLocal(victim, "nemesis/kill")) === "while-down" ? true : undefined),
      10_000,
      "the restarted member to have the write",
    );
    expect(got).toBe(true);
  }, 30_000);
});
