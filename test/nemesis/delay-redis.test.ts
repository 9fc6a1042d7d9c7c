// Live test: the delay fault. A client on its own host pings a Redis node over one connection; with the node
// fronted by the proxy (a helper in the client's namespace, reached by DNAT there), a 50 ms delay raises the round trip by >= 50 ms,
// healing brings it back, a reset fault breaks connections, and dispose leaves no nat chain of the run.

import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisDeployment } from "../../backends/redis/server.js";
import { LinkDelay } from "../../nemesis/delay.js";
import type { Host } from "../../nemesis/hosts.js";
import { iptablesIn } from "../../nemesis/iptables.js";
import { type HostProcess, spawnOnHost } from "../../nemesis/processes.js";
import { canRunLive, LiveFixture, pollFor } from "./live-fixture.js";

/** Pings every 20 ms over one connection (reconnecting if it breaks) and prints "rtt <ms>" or "err". */
const PINGER = `
const net = require("node:net");
const [host, port] = process.argv.slice(1);
let sock, sentAt = 0, buf = "";
function connect() {
  sock = net.createConnection({ host, port: Number(port) });
  sock.setNoDelay(true);
  sock.on("data", (d) => { buf += d; if (buf.includes("\\r\\n")) { buf = ""; console.log("rtt " + (performance.now() - sentAt)); setTimeout(ping, 20); } });
  sock.on("error", () => {});
  sock.on("close", () => { console.log("err"); setTimeout(connect, 20); });
  sock.on("connect", ping);
}
function ping() { sentAt = performance.now(); sock.write("PING\\r\\n"); }
connect();
`;

describe.skipIf(!canRunLive)("delay through the proxy on live redis", () => {
  const fx = new LiveFixture("delay");
  let redis: RedisDeployment;
  let delay: LinkDelay;
  let client: Host;
  let pinger: HostProcess;
  const samples: Array<{ at: number; rtt?: number }> = [];

  beforeAll(async () => {
    await fx.open();
    redis = await fx.redis("single");
    client = await fx.network.addHost("c1");
    delay = await LinkDelay.create(fx.ledger, fx.ledger.runId, fx.network.runnerAddress);
    fx.onClose(() => delay.dispose());
    const node = redis.primary;
    await delay.front({ name: node.name, host: node.host, port: node.port }, [client]);
    pinger = await spawnOnHost(client, [process.execPath, "-e", PINGER, node.address, String(node.port)], {
      ledger: fx.ledger,
      name: "pinger",
      pipe: true,
    });
    fx.onClose(async () => void (await pinger.kill()));
    createInterface({ input: pinger.child.stdout! }).on("line", (l) => {
      samples.push(l.startsWith("rtt ") ? { at: Date.now(), rtt: Number(l.slice(4)) } : { at: Date.now() });
    });
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  /** Median round trip of the next `n` pings answered after now. */
  async function medianRtt(n: number): Promise<number> {
    return (await rttWindow(n)).median;
  }

  /** Median and minimum round trip of the next `n` pings answered after now. */
  async function rttWindow(n: number): Promise<{ median: number; min: number }> {
    const from = Date.now();
    const got = await pollFor(
      async () => {
        const r = samples.filter((s) => s.at > from && s.rtt !== undefined).map((s) => s.rtt!);
        return r.length >= n ? r.slice(0, n).sort((a, b) => a - b) : undefined;
      },
      20_000,
      `${n} pings`,
    );
    return { median: got[Math.floor(n / 2)], min: got[0] };
  }

  it("uses the netem-less proxy mechanism here, and clients go through it", async () => {
    if (delay.mechanism === "netem") return; // a kernel with netem: nothing to prove about the proxy
    await medianRtt(3);
    // the client's connection goes through the helper in its own namespace, not through the runner
    expect((await delay.clients.stats(redis.primary.name)).connections).toBeGreaterThanOrEqual(1);
    expect(delay.proxy(redis.primary.name)).toBeUndefined();
  });

  it("a 50 ms delay raises the round trip by at least 50 ms; heal restores it", async () => {
    const node = redis.primary;
    const base = await rttWindow(15);
    await delay.delay({ name: node.name, host: node.host, port: node.port }, { latencyMs: 50, jitterMs: 10 });
    await medianRtt(2); // let pings in flight at the switch drain
    const slow = await rttWindow(15);
    await delay.heal();
    await medianRtt(2);
    const healed = await rttWindow(15);
    const fmt = (w: { min: number; median: number }) => `${w.min.toFixed(2)}/${w.median.toFixed(2)}`;
    console.log(`RTT min/median ms: ${fmt(base)} before, ${fmt(slow)} delayed, ${fmt(healed)} healed`);
    // every reply waits >= 50 ms more, so even the fastest is >= 50 ms slower than the fastest before
    expect(slow.min - base.min).toBeGreaterThanOrEqual(50);
    expect(slow.median - base.median).toBeGreaterThanOrEqual(45);
    expect(healed.min).toBeLessThan(base.min + 20);
  }, 60_000);

  it("resets break connections (a lossy link as TCP sees it)", async () => {
    if (delay.mechanism === "netem") return;
    const node = redis.primary;
    const from = Date.now();
    await delay.delay({ name: node.name, host: node.host, port: node.port }, { resetProbability: 0.5 });
    const errs = await pollFor(
      async () => {
        const e = samples.filter((s) => s.at > from && s.rtt === undefined).length;
        return e >= 3 ? e : undefined;
      },
      10_000,
      "broken connections",
    );
    await delay.heal();
    expect(errs).toBeGreaterThanOrEqual(3);
    await medianRtt(5); // pings flow again after heal
  }, 30_000);

  it("dispose removes the run's nat chain from the client's namespace, and its helper", async () => {
    const pids = await delay.clients.pids();
    expect(pids.length).toBe(delay.mechanism === "netem" ? 0 : 1);
    await delay.dispose();
    const nat = await iptablesIn(client.netns!, ["-t", "nat", "-S"]);
    expect(nat).not.toContain(delay.chain);
    for (const pid of pids) expect(existsSync(`/proc/${pid}`)).toBe(false);
  });
});
