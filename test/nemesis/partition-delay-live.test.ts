// Live test: a client<->server partition while the delay fault's fronts are in place (a run with `delay`, or
// `failover` on redis-replicated). Two clients on their own hosts write to one Redis node, each over one open
// connection and over a new connection every 100 ms; the delay fault is on (30 ms), then `partition@c1`
// (shape `isolate client c1`). The partitioned client's writes must stop reaching the server (on the open
// connection and on new ones; its new connections time out) while the other client's keep landing, delayed;
// after the heal, both of c1's paths write again; after dispose nothing of the nemesis is left.
// (With the fronts in the runner, as before client-links.ts, the proxy dialled from the runner's address and
// the partition cut nothing: c1's writes kept landing.)

import { existsSync } from "node:fs";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RedisDeployment, RedisNode } from "../../backends/redis/server.js";
import { delayFault, partitionFault } from "../../nemesis/faults.js";
import type { Host } from "../../nemesis/hosts.js";
import { runTag } from "../../nemesis/hosts.js";
import { iptablesIn } from "../../nemesis/iptables.js";
import { type HostProcess, spawnOnHost } from "../../nemesis/processes.js";
import { NemesisRuntime } from "../../nemesis/runtime.js";
import { canRunLive, LiveFixture, pollFor } from "./live-fixture.js";

/** Writes `name:old` over one connection (one SET at a time) and `name:new` over a new connection each 100 ms. */
const WRITER = `
const net = require("node:net");
const [host, port, name] = process.argv.slice(1);
const set = (s, key, v) => s.write("*3\\r\\n$3\\r\\nSET\\r\\n$" + key.length + "\\r\\n" + key + "\\r\\n$" + String(v).length + "\\r\\n" + v + "\\r\\n");
let i = 0, sentAt = 0;
function connect() {
  const s = net.createConnection({ host, port: Number(port) });
  s.setNoDelay(true);
  let buf = "";
  const next = () => { sentAt = performance.now(); set(s, name + ":old", ++i); };
  s.on("connect", next);
  s.on("data", (d) => {
    buf += d;
    while (buf.includes("\\r\\n")) {
      buf = buf.slice(buf.indexOf("\\r\\n") + 2);
      console.log("old ok " + (performance.now() - sentAt));
      setTimeout(next, 20);
    }
  });
  s.on("error", () => {});
  s.on("close", () => { console.log("old closed"); setTimeout(connect, 100); });
}
connect();
let j = 0;
setInterval(() => {
  const s = net.createConnection({ host, port: Number(port) });
  s.setNoDelay(true);
  const t = setTimeout(() => { console.log("new timeout"); s.destroy(); }, 1000);
  s.on("connect", () => set(s, name + ":new", ++j));
  s.on("data", () => { clearTimeout(t); console.log("new ok"); s.destroy(); });
  s.on("error", () => { clearTimeout(t); console.log("new error"); });
}, 100);
`;

interface Line {
  at: number;
  text: string;
}

describe.skipIf(!canRunLive)("client<->server partition with the delay fronts in place (live redis)", () => {
  const fx = new LiveFixture("partdelay");
  let redis: RedisDeployment;
  let node: RedisNode;
  let nem: NemesisRuntime;
  const hosts: Host[] = [];
  const lines = new Map<string, Line[]>([
    ["c1", []],
    ["c2", []],
  ]);

  beforeAll(async () => {
    await fx.open();
    redis = await fx.redis("single");
    node = redis.primary;
    for (const name of ["c1", "c2"]) hosts.push(await fx.network.addHost(name));
    nem = await NemesisRuntime.prepare({
      ledger: fx.ledger,
      faults: ["delay", "partition"],
      options: { delayMs: 30, jitterMs: 0 },
    });
    fx.onClose(() => nem.dispose());
    await nem.attach(
      fx.network,
      {
        system: "redis",
        servers: [node],
        clients: hosts.map((host) => ({ name: host.name, host, pid: undefined })),
      },
      hosts,
    );
    for (const host of hosts) {
      const w: HostProcess = await spawnOnHost(
        host,
        [process.execPath, "-e", WRITER, node.address, String(node.port), host.name],
        { ledger: fx.ledger, name: `writer ${host.name}`, pipe: true },
      );
      fx.onClose(async () => void (await w.kill()));
      createInterface({ input: w.child.stdout! }).on("line", (text) =>
        lines.get(host.name)!.push({ at: Date.now(), text }),
      );
    }
  }, 60_000);
  afterAll(() => fx.close(), 60_000);

  /** What the server has stored for `client`'s two paths (the runner reads it directly, unpartitioned). */
  async function stored(client: string): Promise<{ old: number; new: number }> {
    const [o, n] = await Promise.all([
      node.command(["GET", `${client}:old`], 1_000),
      node.command(["GET", `${client}:new`], 1_000),
    ]);
    return { old: Number(o ?? 0), new: Number(n ?? 0) };
  }

  /** Polls until both of `client`'s paths have stored more than `than`. */
  function bothAdvance(client: string, than: { old: number; new: number }, timeoutMs: number, what: string) {
    return pollFor(
      async () => {
        const s = await stored(client);
        return s.old > than.old && s.new > than.new ? s : undefined;
      },
      timeoutMs,
      what,
    );
  }

  const count = (client: string, from: number, to: number, re: RegExp) =>
    lines.get(client)!.filter((l) => l.at >= from && l.at <= to && re.test(l.text)).length;

  it("cuts the partitioned client off (open and new connections) while the other is served, delayed; heal restores", async () => {
    const rng = () => 0.5;
    const ctx = nem.context(rng);
    for (const c of ["c1", "c2"]) await bothAdvance(c, { old: 0, new: 0 }, 10_000, `${c}'s first writes`);

    const delayed = await delayFault.start(ctx, "all");
    expect(delayed.value).toMatchObject({ latencyMs: 30 });
    const delayFrom = Date.now();
    const c2Base = await stored("c2");
    await pollFor(
      async () => ((await stored("c2")).new >= c2Base.new + 5 ? true : undefined),
      10_000,
      "c2 writing with the delay on",
    );

    const cut = await partitionFault.start(ctx, { name: "c1" });
    expect(cut.value).toMatchObject({ shape: "isolate client c1" });
    const cutAt = Date.now();
    // let anything in flight at the cut land, then watch c1's stored values while c2 writes 15 more times
    const settled = await stored("c2");
    await pollFor(
      async () => ((await stored("c2")).new >= settled.new + 5 ? true : undefined),
      10_000,
      "c2 writing after the cut",
    );
    const c1Frozen = await stored("c1");
    const c2Before = await stored("c2");
    const c2After = await pollFor(
      async () => {
        const s = await stored("c2");
        return s.new >= c2Before.new + 15 && s.old > c2Before.old ? s : undefined;
      },
      15_000,
      "c2 served while c1 is cut off",
    );
    const c1During = await stored("c1");
    const watchedUntil = Date.now();
    const c1Timeouts = count("c1", cutAt, watchedUntil, /^new (timeout|error)/);
    const c1Oks = count("c1", cutAt + 1_000, watchedUntil, /ok/);
    const c2Rtts = lines
      .get("c2")!
      .filter((l) => l.at >= delayFrom && l.at <= watchedUntil && l.text.startsWith("old ok "))
      .map((l) => Number(l.text.slice(7)))
      .sort((a, b) => a - b);
    const c2Median = c2Rtts[Math.floor(c2Rtts.length / 2)];

    await cut.stop();
    const healedAt = Date.now();
    const c1New = await pollFor(
      async () => ((await stored("c1")).new > c1During.new ? true : undefined),
      10_000,
      "c1's new connections writing after the heal",
    ).then(() => Date.now() - healedAt);
    const c1Old = await pollFor(
      async () => ((await stored("c1")).old > c1During.old ? true : undefined),
      30_000,
      "c1's open connection writing after the heal",
    ).then(() => Date.now() - healedAt);
    await delayed.stop();

    console.log(
      `cut ${watchedUntil - cutAt} ms: c1 stored old ${c1Frozen.old}->${c1During.old}, new ${c1Frozen.new}->${c1During.new}, ` +
        `${c1Timeouts} new-connection timeouts, ${c1Oks} oks after the first second; ` +
        `c2 stored old ${c2Before.old}->${c2After.old}, new ${c2Before.new}->${c2After.new}, median old-path RTT ${c2Median?.toFixed(1)} ms (delay 30 ms); ` +
        `after heal: c1 new path writes in ${c1New} ms, open connection in ${c1Old} ms`,
    );
    // the partitioned client reaches the server on neither path, and sees its requests fail
    expect(c1During).toEqual(c1Frozen);
    expect(c1Timeouts).toBeGreaterThanOrEqual(3);
    expect(c1Oks).toBe(0);
    // the other client is served, through the delay
    expect(c2After.new - c2Before.new).toBeGreaterThanOrEqual(15);
    expect(c2Median).toBeGreaterThanOrEqual(30);
  }, 90_000);

  it("dispose leaves no rule, chain or proxy helper of the nemesis", async () => {
    const helpers = fx.ledger
      .outstanding()
      .flatMap(({ resource: r }) => (r.kind === "process" && /proxy/.test(r.name) ? [r.pid] : []));
    await nem.dispose();
    const tag = runTag(fx.ledger.runId);
    for (const h of fx.network.hosts) {
      const rules = `${await iptablesIn(h.netns!, ["-S"])}${await iptablesIn(h.netns!, ["-t", "nat", "-S"])}`;
      expect(rules).not.toContain(tag);
    }
    const left = fx.ledger.outstanding().filter(({ resource: r }) => r.kind.startsWith("iptables"));
    expect(left).toEqual([]);
    for (const pid of helpers) expect(existsSync(`/proc/${pid}`)).toBe(false);
  }, 30_000);
});
