// Live test: Redis failover with replication cut. Client A takes a lock on the primary after replication is
// cut; the replica is promoted and the clients' front moves to it; client B then gets the same lock: the
// lock was granted twice. After the heal the old primary follows the new one and has B's value.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisDeployment, respCommand } from "../../backends/redis/server.js";
import { LinkDelay } from "../../nemesis/delay.js";
import { RedisFailover } from "../../nemesis/failover.js";
import { PacketFilter } from "../../nemesis/iptables.js";
import { Partitioner } from "../../nemesis/partition.js";
import { canRunLive, LiveFixture, pollFor } from "./live-fixture.js";

describe.skipIf(!canRunLive)("redis failover on live servers", () => {
  const fx = new LiveFixture("failover");
  let redis: RedisDeployment;
  let delay: LinkDelay;
  let filter: PacketFilter;
  let parts: Partitioner;
  let front: { address: string; port: number };

  beforeAll(async () => {
    await fx.open();
    redis = await fx.redis("primary-replica");
    delay = new LinkDelay(fx.ledger, fx.ledger.runId, fx.network.runnerAddress, "proxy");
    fx.onClose(() => delay.dispose());
    filter = new PacketFilter(fx.ledger, fx.ledger.runId);
    fx.onClose(() => filter.dispose());
    parts = new Partitioner(filter, () => fx.network.hosts);
    const p = redis.primary;
    const endpoint = await delay.front({ name: "primary", host: p.host, port: p.port }, []);
    const [address, port] = endpoint.split(":");
    front = { address, port: Number(port) };
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  const viaFront = (args: string[]) => respCommand(front.address, front.port, args, 2_000);

  it("with replication cut, a second client gets the same lock after the failover", async () => {
    const failover = new RedisFailover(
      { primary: redis.primary, replica: redis.replica! },
      parts,
      delay,
      "primary",
    );
    // replication works before the cut
    expect(await viaFront(["SET", "probe", "1"])).toBe("OK");
    await pollFor(
      async () => ((await redis.replica!.command(["GET", "probe"])) === "1" ? true : undefined),
      5_000,
      "replication",
    );
    await failover.cut();
    expect(await viaFront(["SET", "lock", "client-A", "NX", "PX", "30000"])).toBe("OK");
    const ev = await failover.promote();
    expect(ev).toMatchObject({ from: "redis-primary", to: "redis-replica" });
    expect(await redis.replica!.command(["GET", "lock"])).toBeNull(); // the write never replicated
    const second = await viaFront(["SET", "lock", "client-B", "NX", "PX", "30000"]);
    expect(second).toBe("OK"); // the same lock, granted again
    expect(await redis.primary.command(["GET", "lock"])).toBe("client-A"); // old primary still thinks A has it

    await parts.heal();
    await failover.rejoin();
    const converged = await pollFor(
      async () => ((await redis.primary.command(["GET", "lock"])) === "client-B" ? true : undefined),
      10_000,
      "the old primary to follow the new one",
    );
    expect(converged).toBe(true);
    const info = await redis.primary.replicationInfo();
    expect(info.role).toBe("slave");
    expect((await redis.replica!.replicationInfo()).role).toBe("master");
  }, 60_000);
});
