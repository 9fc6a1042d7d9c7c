// Live test: a client process paused past its lock's TTL. Client A (its own process, on its own host) takes
// a Redis lock with PX 1000 and then works while it believes it holds it; the nemesis pauses A for longer than
// the TTL; client B acquires the same lock; A, resumed, carries on "holding" it: two holders at once. The
// lock service was right; the client was wrong, which is the hazard the lease checks must catch.

import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RedisDeployment, respCommand } from "../../backends/redis/server.js";
import { Pauser } from "../../nemesis/pause.js";
import { type HostProcess, spawnOnHost } from "../../nemesis/processes.js";
import { canRunLive, LiveFixture, pollFor } from "./live-fixture.js";

/** Takes the lock once (SET NX PX 1000), then prints "working <ms>" every 20 ms, never checking again. */
const HOLDER = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
const s = net.createConnection({ host, port: Number(port) });
s.on("connect", () => s.write("*6\\r\\n$3\\r\\nSET\\r\\n$4\\r\\nlock\\r\\n$1\\r\\nA\\r\\n$2\\r\\nNX\\r\\n$2\\r\\nPX\\r\\n$4\\r\\n1000\\r\\n"));
s.once("data", (d) => {
  if (!String(d).startsWith("+OK")) { console.log("refused"); return; }
  console.log("acquired " + Date.now());
  setInterval(() => console.log("working " + Date.now()), 20);
});
`;

describe.skipIf(!canRunLive)("a client paused past its TTL", () => {
  const fx = new LiveFixture("cpause");
  let redis: RedisDeployment;
  let pauser: Pauser;
  let holder: HostProcess;
  const lines: Array<{ at: number; text: string }> = [];

  beforeAll(async () => {
    await fx.open();
    redis = await fx.redis("single");
    pauser = new Pauser(fx.ledger);
    fx.onClose(() => pauser.resumeAll());
    const host = await fx.network.addHost("ca");
    const node = redis.primary;
    holder = await spawnOnHost(host, [process.execPath, "-e", HOLDER, node.address, String(node.port)], {
      ledger: fx.ledger,
      name: "client A",
      pipe: true,
    });
    fx.onClose(async () => void (await holder.kill()));
    createInterface({ input: holder.child.stdout! }).on("line", (text) =>
      lines.push({ at: Date.now(), text }),
    );
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  it("another client acquires the lock, and the resumed holder still acts as its owner", async () => {
    const node = redis.primary;
    await pollFor(
      async () => (lines.some((l) => l.text.startsWith("acquired")) ? true : undefined),
      5_000,
      "A's grant",
    );
    expect(pauser.pause(holder.pid)).toBe(true);
    expect(await pauser.waitStopped(holder.pid)).toBe(true);
    const pausedAt = Date.now();
    // B tries while A sleeps: refused while the lease lives, granted once the TTL has passed
    const first = await respCommand(node.address, node.port, ["SET", "lock", "B", "NX", "PX", "5000"], 1_000);
    expect(first).toBeNull();
    const granted = await pollFor(
      async () =>
        (await respCommand(node.address, node.port, ["SET", "lock", "B", "NX", "PX", "5000"], 1_000)) === "OK"
          ? Date.now()
          : undefined,
      5_000,
      "B's grant",
    );
    expect(granted - pausedAt).toBeLessThan(2_000);
    expect(await respCommand(node.address, node.port, ["GET", "lock"], 1_000)).toBe("B");
    const resumedAt = Date.now();
    const pausedMs = pauser.resume(holder.pid)!;
    // A slept through the end of its lease: B was granted while A was stopped
    expect(granted).toBeGreaterThan(pausedAt);
    expect(granted).toBeLessThanOrEqual(resumedAt);
    const workedAfter = await pollFor(
      async () => lines.find((l) => l.at > resumedAt && l.text.startsWith("working")),
      2_000,
      "A working after resume",
    );
    console.log(
      `A paused ${pausedMs} ms; B granted ${granted - pausedAt} ms into the pause; A ${workedAfter.text} after`,
    );
    // both believe they hold the lock now: B by its grant, A because it never looked again
    expect(await respCommand(node.address, node.port, ["GET", "lock"], 1_000)).toBe("B");
    expect(workedAfter.at).toBeGreaterThan(granted);
  }, 30_000);
});
