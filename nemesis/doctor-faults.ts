// `locksmith doctor --faults`: each fault of the catalogue injected once on a scratch deployment, its effect
// observed, healed, and reported with evidence ("leader moved from etcd1 to etcd3 in 0.8 s"). The scratch
// servers are provisioned by the caller (the CLI wires backends/ in; the nemesis never imports backends/)
// and described here by small interfaces. Faults this machine cannot do are reported as unsupported, with
// why. It must never leave a fault active: every probe heals in `finally`.

import { createInterface } from "node:readline";
import { ClockControl } from "./clock.js";
import { LinkDelay, netemSupport } from "./delay.js";
import { type FailoverNode, RedisFailover } from "./failover.js";
import type { FaultName } from "./faults.js";
import { isolate } from "./grudge.js";
import type { Host, HostNetwork } from "./hosts.js";
import { PacketFilter } from "./iptables.js";
import type { Ledger } from "./ledger.js";
import { Partitioner } from "./partition.js";
import { Pauser } from "./pause.js";
import { PeerLinks } from "./peer-links.js";
import { spawnOnHost } from "./processes.js";
import type { ServerTarget } from "./targets.js";

export interface ScratchEtcd {
  members: readonly ServerTarget[];
  /** The leader each member reports (by name; "" for none / no answer), keyed by member name. */
  leaderViews(): Promise<Map<string, string>>;
  healthy(name: string): Promise<boolean>;
  /** GET /health over a fresh connection with a short deadline (for the loss probe). */
  probeRequest(name: string, timeoutMs: number): Promise<void>;
  /** A put through member `name` (for the peer-link delay probe: a write waits on the leader's peer links). */
  put(name: string, key: string, value: string, timeoutMs: number): Promise<void>;
}

export type ScratchRedisNode = ServerTarget & FailoverNode;

export interface ScratchRedis {
  /** A primary + replica pair. */
  primary: ScratchRedisNode;
  replica: ScratchRedisNode;
}

/** Provisions the scratch servers; `serverEnv` is the clock shim's environment (empty when it is missing). */
export interface ScratchProvider {
  network: HostNetwork;
  ledger: Ledger;
  dir: string;
  startEtcd(env: Record<string, string>): Promise<ScratchEtcd | string>;
  startRedis(env: Record<string, string>): Promise<ScratchRedis | string>;
}

export interface FaultProbeResult {
  fault: FaultName;
  status: "works" | "unsupported" | "failed";
  /** Evidence when it works; why when unsupported or failed. */
  detail: string;
}

const now = () => performance.now();
const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;

async function poll<T>(fn: () => Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`no ${what} within ${secs(timeoutMs)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** The leader agreed by every member in `names`, when they agree on one that is not `not`. */
async function agreedLeader(etcd: ScratchEtcd, names: string[], not?: string): Promise<string | undefined> {
  const v = await etcd.leaderViews();
  const ls = names.map((n) => v.get(n) ?? "");
  return ls.every((l) => l && !l.startsWith("?") && l !== not && l === ls[0]) ? ls[0] : undefined;
}

const NODE_TICKER = `setInterval(() => process.stdout.write(Date.now() + "\\n"), 20);`;

/** Runs every fault probe once. Never throws: each fault gets a result. */
export async function probeFaults(p: ScratchProvider): Promise<FaultProbeResult[]> {
  const results: FaultProbeResult[] = [];
  const netns = p.network.mode === "netns";
  const noNet = "needs network namespaces (root on Linux with iproute2 and iptables)";
  const pauser = new Pauser(p.ledger);
  const filter = netns ? new PacketFilter(p.ledger, p.network.runId) : undefined;
  const parts = filter ? new Partitioner(filter, () => p.network.hosts) : undefined;
  let clock: ClockControl | undefined;
  let clockWhy = "";
  try {
    clock = await ClockControl.create(p.ledger, `${p.dir}/clocks`);
  } catch (err) {
    clockWhy = (err as Error).message;
  }
  let delay: LinkDelay | undefined;
  /** The scratch client host (delay and failover probes act from it). */
  let client: Host | undefined;
  const attempt = async (fault: FaultName, fn: () => Promise<string>) => {
    try {
      results.push({ fault, status: "works", detail: await fn() });
    } catch (err) {
      results.push({ fault, status: "failed", detail: (err as Error).message });
    } finally {
      pauser.resumeAll();
      await parts?.heal().catch(() => {});
      await delay?.heal().catch(() => {});
      clock?.resetAll();
    }
  };
  const unsupported = (fault: FaultName, why: string) =>
    results.push({ fault, status: "unsupported", detail: why });

  try {
    const etcd = await p.startEtcd({}).catch((err: Error) => err.message);
    const etcdWhy = typeof etcd === "string" ? `no scratch etcd cluster: ${etcd}` : "";
    const names = typeof etcd === "string" ? [] : etcd.members.map((m) => m.name);
    const member = (n: string) => (etcd as ScratchEtcd).members.find((m) => m.name === n)!;

    if (typeof etcd === "string") unsupported("kill", etcdWhy);
    else
      await attempt("kill", async () => {
        const victim = etcd.members[etcd.members.length - 1];
        const t0 = now();
        await victim.kill();
        if (victim.running || (await etcd.healthy(victim.name)))
          throw new Error(`${victim.name} still up after SIGKILL`);
        await victim.restart({ healthTimeoutMs: 15_000 });
        await poll(
          async () => ((await etcd.healthy(victim.name)) ? true : undefined),
          10_000,
          "healthy restart",
        );
        return `${victim.name} killed (down), restarted healthy in ${secs(now() - t0)}`;
      });

    if (typeof etcd === "string") unsupported("pause", etcdWhy);
    else
      await attempt("pause", async () => {
        const old = await poll(() => agreedLeader(etcd, names), 10_000, "leader");
        const pid = member(old).pid!;
        const t0 = now();
        pauser.pause(pid);
        if (!(await pauser.waitStopped(pid)))
          throw new Error(`${old} (pid ${pid}) is not stopped after SIGSTOP`);
        const others = names.filter((n) => n !== old);
        const fresh = await poll(() => agreedLeader(etcd, others, old), 5_000, "new leader while paused");
        const took = now() - t0;
        pauser.resume(pid);
        await poll(
          async () => ((await etcd.healthy(old)) ? true : undefined),
          10_000,
          "paused member healthy",
        );
        return `paused leader ${old}: leader moved to ${fresh} in ${secs(took)}; resumed, healthy`;
      });

    if (!parts) unsupported("partition", noNet);
    else if (typeof etcd === "string") unsupported("partition", etcdWhy);
    else
      await attempt("partition", async () => {
        const old = await poll(() => agreedLeader(etcd, names), 10_000, "leader");
        const t0 = now();
        await parts.partition(hostGrudge(etcd.members, isolate(names, old)));
        const others = names.filter((n) => n !== old);
        const fresh = await poll(() => agreedLeader(etcd, others, old), 10_000, "new leader");
        const moved = now() - t0;
        await poll(
          async () => ((await etcd.leaderViews()).get(old) !== old ? true : undefined),
          10_000,
          "step-down",
        );
        await parts.heal();
        const t1 = now();
        await poll(() => agreedLeader(etcd, names), 10_000, "agreement after heal");
        return `isolated leader ${old}: leader moved to ${fresh} in ${secs(moved)}, ${old} stepped down; converged ${secs(now() - t1)} after heal`;
      });

    if (!parts) unsupported("loss", noNet);
    else if (typeof etcd === "string") unsupported("loss", etcdWhy);
    else
      await attempt("loss", async () => {
        const target = etcd.members[0];
        const count = async (n: number) => {
          let failed = 0;
          for (let i = 0; i < n; i++) await etcd.probeRequest(target.name, 150).catch(() => failed++);
          return failed;
        };
        const before = await count(20);
        await parts.loss([target.host.name], 0.3);
        const during = await count(40);
        await parts.heal();
        const after = await count(20);
        if (during < 3 || after > before + 1)
          throw new Error(
            `loss not visible: ${before}/20 failed before, ${during}/40 during, ${after}/20 after`,
          );
        return `30% loss on ${target.name}: ${during}/40 requests failed (${before}/20 before, ${after}/20 after heal)`;
      });

    // delay on the links between members (the peer fronts the provisioner's hook made): measured while the
    // cluster is up, reported in the delay row
    let peerDelay: string | Error | undefined;
    const peers = PeerLinks.forRun(p.network.runId);
    if (typeof etcd !== "string" && peers) {
      try {
        peerDelay = await probePeerDelay(etcd, names, peers);
      } catch (err) {
        peerDelay = err as Error;
      } finally {
        await peers.heal().catch(() => {});
      }
    }

    if (typeof etcd !== "string") for (const m of etcd.members) await m.kill().catch(() => {});

    const redis = await p.startRedis(clock ? clock.sharedEnv() : {}).catch((err: Error) => err.message);
    const redisWhy = typeof redis === "string" ? `no scratch Redis: ${redis}` : "";

    if (!netns) unsupported("delay", noNet);
    else if (typeof redis === "string") unsupported("delay", redisWhy);
    else
      await attempt("delay", async () => {
        delay = await LinkDelay.create(p.ledger, p.network.runId, p.network.runnerAddress);
        const node = redis.primary;
        client ??= await p.network.addHost("doctor-c1");
        await delay.front({ name: "primary", host: node.host, port: node.port }, [client]);
        const rtts = await measureRtts(p, client, node, async () => {
          await delay!.delay(
            { name: "primary", host: node.host, port: node.port },
            { latencyMs: 50, jitterMs: 0 },
          );
        });
        const rise = `min RTT ${rtts.baseMin.toFixed(1)} -> ${rtts.delayedMin.toFixed(1)} ms, median ${rtts.base.toFixed(1)} -> ${rtts.delayed.toFixed(1)} ms`;
        // every delayed reply waits >= 50 ms more; the minimum is the least noisy witness of that
        if (rtts.delayedMin - rtts.baseMin < 50) throw new Error(`RTT did not rise by 50 ms: ${rise}`);
        const how =
          delay.mechanism === "proxy"
            ? `our TCP proxies; tc netem not used: ${(await netemSupport()).why}`
            : "tc netem";
        if (peerDelay instanceof Error)
          throw new Error(`client link: ${rise}; but the peer links: ${peerDelay.message}`);
        const peerPart =
          peerDelay ??
          (typeof etcd === "string"
            ? `not checked (${etcdWhy})`
            : delay.mechanism === "netem"
              ? "covered by the netem qdisc on each member's interface"
              : undefined);
        if (!peerPart) throw new Error(`client link: ${rise}; but the etcd peer links were not fronted`);
        return `delay 50 ms (${how}): client link ${rise}; peer links: ${peerPart}`;
      });

    if (!clock) unsupported("clock", `the clock shim could not be built: ${clockWhy}`);
    else if (!netns) unsupported("clock", `servers: ${noNet} (per-host clock files)`);
    else if (typeof redis === "string") unsupported("clock", redisWhy);
    else
      await attempt("clock", async () => {
        const node = redis.replica;
        await node.command(["REPLICAOF", "NO", "ONE"]); // a writable node of its own for the probe
        node.replicaOf = undefined;
        await node.command(["SET", "doctor:lock", "x", "PX", "5000"]);
        clock!.jump(node.host, 10_000);
        const t0 = now();
        await poll(
          async () => ((await node.command(["GET", "doctor:lock"])) === null ? true : undefined),
          1_000,
          "expiry after the jump",
        );
        const gone = now() - t0;
        clock!.reset(node.host);
        const t = (await node.command(["TIME"])) as string[];
        const skew = Number(t[0]) * 1000 - Date.now();
        if (Math.abs(skew) > 1_500) throw new Error(`clock still off by ${skew} ms after reset`);
        return `+10 s jump on ${node.name}: PX 5000 key gone in ${gone.toFixed(0)} ms; reset, skew ${Math.abs(skew) < 1000 ? "< 1 s" : `${skew} ms`}`;
      });

    if (!parts || !delay) unsupported("failover", netns ? "the delay proxy could not be set up" : noNet);
    else if (typeof redis === "string") unsupported("failover", redisWhy);
    else
      await attempt("failover", async () => {
        const primary = redis.primary;
        const replica = redis.replica;
        if (!replica.replicaOf) {
          await replica.command(["REPLICAOF", primary.address, String(primary.port)]);
          replica.replicaOf = { address: primary.address, port: primary.port };
        }
        await poll(
          async () =>
            (await replica.command(["INFO", "replication"]).then(String)).includes("master_link_status:up")
              ? true
              : undefined,
          10_000,
          "replication link",
        );
        // the client dials the primary's own address; its front (a helper in its namespace) moves on promote
        client ??= await p.network.addHost("doctor-c1");
        const from = client;
        await delay!.front({ name: "primary", host: primary.host, port: primary.port }, [from]);
        const fo = new RedisFailover({ primary, replica }, parts!, delay!, "primary");
        const viaFront = (args: string[]) => respFrom(p, from, primary.address, primary.port, args);
        await fo.cut();
        const a = await viaFront(["SET", "doctor:failover", "client-A", "NX", "PX", "30000"]);
        const ev = await fo.promote();
        const b = await viaFront(["SET", "doctor:failover", "client-B", "NX", "PX", "30000"]);
        await parts!.heal();
        await fo.rejoin();
        if (a !== "OK" || b !== "OK")
          throw new Error(`expected two grants of the same lock, got ${a} then ${b}`);
        return `replication cut, ${ev.from} -> ${ev.to} promoted: the same lock granted to A and then to B (from ${from.name}, through its front)`;
      });

    const someHost = p.network.hosts[0] ?? (await p.network.addHost("doctor-c2"));
    await attempt("client-pause", async () => {
      const proc = await spawnOnHost(someHost, [process.execPath, "-e", NODE_TICKER], {
        ledger: p.ledger,
        name: "doctor client",
        pipe: true,
      });
      try {
        let last = Date.now();
        createInterface({ input: proc.child.stdout! }).on("line", () => {
          last = Date.now();
        });
        await poll(async () => (Date.now() - last < 100 ? true : undefined), 5_000, "client ticks");
        pauser.pause(proc.pid);
        await new Promise((r) => setTimeout(r, 300));
        const silent = Date.now() - last;
        pauser.resume(proc.pid);
        const t0 = Date.now();
        await poll(async () => (last > t0 ? true : undefined), 2_000, "ticks after resume");
        if (silent < 250) throw new Error(`the client kept running while paused (silent ${silent} ms)`);
        return `client pid ${proc.pid} silent ${silent} ms while paused, ticking again after resume`;
      } finally {
        await proc.kill();
      }
    });

    if (typeof redis !== "string")
      for (const n of [redis.primary, redis.replica]) await n.kill().catch(() => {});
  } finally {
    pauser.resumeAll();
    await delay?.dispose().catch(() => {});
    await filter?.dispose().catch(() => {});
    clock?.dispose();
  }
  return results;
}

function hostGrudge(members: readonly ServerTarget[], g: Map<string, Set<string>>): Map<string, Set<string>> {
  const host = (n: string) => members.find((m) => m.name === n)!.host.name;
  return new Map([...g].map(([k, v]) => [host(k), new Set([...v].map(host))]));
}

/** Median PING round trip from a process on `client`, before and after `slowDown`. */
async function measureRtts(
  p: ScratchProvider,
  client: Host,
  node: ScratchRedisNode,
  slowDown: () => Promise<void>,
): Promise<{ base: number; delayed: number; baseMin: number; delayedMin: number }> {
  const script = `
const net = require("node:net");
const s = net.createConnection({ host: process.argv[1], port: Number(process.argv[2]) });
s.setNoDelay(true);
let t = 0;
const ping = () => { t = performance.now(); s.write("PING\\r\\n"); };
s.on("data", () => { console.log(performance.now() - t); setTimeout(ping, 10); });
s.on("connect", ping);
s.on("error", () => process.exit(1));`;
  const proc = await spawnOnHost(client, [process.execPath, "-e", script, node.address, String(node.port)], {
    ledger: p.ledger,
    name: "doctor pinger",
    pipe: true,
  });
  try {
    const samples: Array<{ at: number; rtt: number }> = [];
    createInterface({ input: proc.child.stdout! }).on("line", (l) =>
      samples.push({ at: Date.now(), rtt: Number(l) }),
    );
    const window = async (n: number) => {
      const from = Date.now();
      const got = await poll(
        async () => {
          const r = samples.filter((s) => s.at > from).map((s) => s.rtt);
          return r.length >= n ? r.slice(0, n).sort((a, b) => a - b) : undefined;
        },
        15_000,
        `${n} pings`,
      );
      return { median: got[Math.floor(n / 2)], min: got[0] };
    };
    const base = await window(30); // many samples: the minimum must be the true round trip
    await slowDown();
    await window(2);
    const delayed = await window(9);
    return { base: base.median, delayed: delayed.median, baseMin: base.min, delayedMin: delayed.min };
  } finally {
    await proc.kill();
  }
}

/** Sends one RESP command from a process on `host`; its reply's first line (enough for SET ... NX). */
async function respFrom(
  p: ScratchProvider,
  host: Host,
  address: string,
  port: number,
  args: string[],
): Promise<string | null> {
  const script = `
const s = require("node:net").createConnection({ host: process.argv[1], port: Number(process.argv[2]) });
const args = JSON.parse(process.argv[3]);
let buf = "";
setTimeout(() => { console.log("!no reply"); process.exit(0); }, 2000);
s.on("connect", () => s.write("*" + args.length + "\\r\\n" + args.map((a) => "$" + Buffer.byteLength(a) + "\\r\\n" + a + "\\r\\n").join("")));
s.on("data", (d) => { buf += d; const i = buf.indexOf("\\r\\n"); if (i >= 0) { console.log(buf.slice(0, i)); process.exit(0); } });
s.on("error", (e) => { console.log("!" + e.message); process.exit(0); });`;
  const proc = await spawnOnHost(
    host,
    [process.execPath, "-e", script, address, String(port), JSON.stringify(args)],
    { ledger: p.ledger, name: "doctor resp client", pipe: true },
  );
  let out = "";
  proc.child.stdout!.on("data", (d) => {
    out += d;
  });
  await proc.exited;
  const line = out.split("\n")[0] ?? "";
  if (line.startsWith("!")) throw new Error(`${address}:${port} from ${host.name}: ${line.slice(1)}`);
  if (line.startsWith("+")) return line.slice(1);
  if (line === "$-1" || line === "_") return null;
  if (line.startsWith("-")) throw new Error(line.slice(1));
  return line;
}

/**
 * Median put latency on the leader before, with 50 ms on the leader's peer links (both ways), and after the
 * heal: a write commits only once a follower has the entry, so it waits on a peer link there and back.
 */
async function probePeerDelay(etcd: ScratchEtcd, names: string[], peers: PeerLinks): Promise<string> {
  const leader = await poll(() => agreedLeader(etcd, names), 10_000, "leader");
  let seq = 0;
  const median = async (n: number) => {
    const took: number[] = [];
    for (let i = 0; i < n; i++) {
      const t0 = now();
      await etcd.put(leader, `doctor/peer/${++seq}`, "x", 5_000);
      took.push(now() - t0);
    }
    return took.sort((a, b) => a - b)[Math.floor(n / 2)];
  };
  await median(3);
  const base = await median(15);
  await peers.delay(leader, { latencyMs: 50, jitterMs: 0 });
  await median(2); // writes in flight at the switch
  const slow = await median(15);
  await peers.heal();
  await median(2);
  const after = await median(15);
  const rise = `median put on the leader ${leader} ${base.toFixed(1)} -> ${slow.toFixed(1)} ms with 50 ms on its peer links, ${after.toFixed(1)} ms after heal`;
  if (slow - base < 50) throw new Error(`write latency did not rise by 50 ms: ${rise}`);
  return rise;
}
