// Live test: the clock shim on Debian's redis-server (jemalloc). A +10 s jump on the node's host makes a key
// set with PX 5000 vanish at once; a reset brings the node's clock back. Each namespace has its own clock:
// a jump on the replica's host leaves the primary's clock alone.

import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisDeployment } from "../../backends/redis/server.js";
import { ClockControl } from "../../nemesis/clock.js";
import { canRunLive, LiveFixture, pollFor } from "./live-fixture.js";

/** The node's idea of now, in ms (TIME). */
async function redisNowMs(node: RedisDeployment["nodes"][number]): Promise<number> {
  const t = (await node.command(["TIME"])) as string[];
  return Number(t[0]) * 1000 + Math.floor(Number(t[1]) / 1000);
}

describe.skipIf(!canRunLive)("clock shim on live redis-server", () => {
  const fx = new LiveFixture("clockr");
  let clock: ClockControl;
  let redis: RedisDeployment;

  beforeAll(async () => {
    await fx.open();
    clock = await ClockControl.create(fx.ledger, `${fx.dir}/clocks`);
    fx.onClose(() => clock.dispose());
    redis = await fx.redis("primary-replica", clock.sharedEnv());
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it("a +10 s jump expires a PX 5000 key at once; reset restores the clock", async () => {
    const node = redis.primary;
    expect(Math.abs((await redisNowMs(node)) - Date.now())).toBeLessThan(1_000);
    expect(await node.command(["SET", "lock", "owner-1", "PX", "5000"])).toBe("OK");
    expect(await node.command(["GET", "lock"])).toBe("owner-1");
    clock.jump(node.host, 10_000);
    const gone = await pollFor(
      async () => ((await node.command(["GET", "lock"])) === null ? true : undefined),
      500,
      "the key to expire",
    );
    expect(gone).toBe(true);
    expect((await redisNowMs(node)) - Date.now()).toBeGreaterThan(9_000);
    expect(node.running).toBe(true);
    clock.reset(node.host);
    await pollFor(
      async () => (Math.abs((await redisNowMs(node)) - Date.now()) < 1_000 ? true : undefined),
      1_000,
      "the clock back to true time",
    );
    expect(await node.command(["SET", "lock2", "x", "PX", "5000"])).toBe("OK");
    expect(await node.command(["GET", "lock2"])).toBe("x");
  });

  it("a jump on the replica's host does not move the primary's clock", async () => {
    const replica = redis.replica!;
    clock.jump(replica.host, -60_000);
    const behind = await pollFor(
      async () => ((await redisNowMs(replica)) - Date.now() < -59_000 ? true : undefined),
      1_000,
      "the replica 60 s behind",
    );
    expect(behind).toBe(true);
    expect(Math.abs((await redisNowMs(redis.primary)) - Date.now())).toBeLessThan(1_000);
    clock.strobe(replica.host, 30_000, 10);
    const seen = new Set<number>();
    const deadline = Date.now() + 2_000;
    while (seen.size < 2 && Date.now() < deadline) {
      seen.add(Math.round(((await redisNowMs(replica)) - Date.now()) / 30_000));
    }
    expect(seen).toEqual(new Set([-2, -1]));
    clock.resetAll();
    await pollFor(
      async () => (Math.abs((await redisNowMs(replica)) - Date.now()) < 1_000 ? true : undefined),
      1_000,
      "the replica's clock back",
    );
    expect(replica.running).toBe(true);
  });
});
