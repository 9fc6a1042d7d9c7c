// Hosts of a run (DESIGN.md section 7). With root on Linux, each host is a network namespace the run
// creates, joined by a veth pair to a bridge the run creates, with its own address in a private 10.x.y.0/24
// unique to the run (the root namespace holds .1 on the bridge, so the runner reaches every host). Without
// root, hosts share loopback (127.0.0.1) and are told apart by port.
// Every namespace, bridge and veth is written to the run's ledger before it is created and marked removed
// after. This module must never touch a namespace, bridge or link whose name it did not derive from its own
// run id, and never runs `ip` through a shell.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import type { Ledger } from "./ledger.js";

export type HostMode = "netns" | "loopback";

/** A place where a server or a client runs. */
export interface Host {
  /** Logical name, unique in the run ("etcd1", "redis-primary", "c3"). */
  readonly name: string;
  /** The IPv4 address other hosts and the runner use to reach programs on this host. */
  readonly address: string;
  /** The network namespace (netns mode only). Programs are started in it by nemesis/processes.ts. */
  readonly netns?: string;
  /** The host's interface inside its namespace (netns mode: "eth0"); nemesis rules may name it. */
  readonly iface?: string;
}

export interface HostNetworkOptions {
  runId: string;
  ledger: Ledger;
  /** "auto" (default): namespaces when root on Linux with `ip`, else loopback. */
  mode?: "auto" | HostMode;
}

/** Run a program with an argument array and resolve with its stdout; rejects with its stderr. */
export function run(file: string, args: string[], timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: timeoutMs, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolve(stdout);
    });
  });
}

/** Run `ip [prefix] -batch -` with `lines` on stdin (no shell; every word is ours, derived from the run). */
export function runBatch(ip: string, prefix: string[], lines: string[], timeoutMs = 10_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      ip,
      [...prefix, "-batch", "-"],
      { timeout: timeoutMs, encoding: "utf8" },
      (err, _o, stderr) => {
        if (err)
          reject(
            new Error(`ip ${prefix.join(" ")} -batch: ${stderr.trim() || err.message}\n${lines.join("\n")}`),
          );
        else resolve();
      },
    );
    child.stdin?.end(`${lines.join("\n")}\n`);
  });
}

/** Where `ip` lives, if anywhere. */
export function findIp(): string | undefined {
  for (const p of ["/usr/sbin/ip", "/sbin/ip", "/usr/bin/ip", "/bin/ip"]) if (existsSync(p)) return p;
  return undefined;
}

/** True when this process may create namespaces: Linux, root, and `ip` present. */
export function namespacesPossible(): boolean {
  return process.platform === "linux" && process.getuid?.() === 0 && findIp() !== undefined;
}

/** Short stable hex of the run id: names of everything the run creates derive from it. */
export function runTag(runId: string): string {
  return createHash("sha1").update(runId).digest("hex").slice(0, 6);
}

/** The bridge, namespace and veth names of a run (all <= 15 chars where the kernel limits them). */
export function runNames(runId: string) {
  const tag = runTag(runId);
  return {
    tag,
    bridge: `lsb${tag}`,
    netns: (index: number) => `ls-${tag}-h${index}`,
    vethRoot: (index: number) => `lsv${tag}${index.toString(16).padStart(2, "0")}`,
    vethPeer: (index: number) => `lsp${tag}${index.toString(16).padStart(2, "0")}`,
  };
}

const LOOPBACK = "127.0.0.1";
const PORT_RANGE = { low: 20_000, high: 32_000 }; // below Linux's ephemeral range (32768+)

export class HostNetwork {
  private readonly hostList: Host[] = [];
  private readonly usedPorts = new Map<string, Set<number>>();
  private readonly bridgeHandle?: number;
  private readonly hostHandles: Array<{ netns: number; veth: number; vethName: string; netnsName: string }> =
    [];
  private nextPort: number;
  private destroyed = false;

  private constructor(
    readonly runId: string,
    readonly mode: HostMode,
    private readonly ledger: Ledger,
    /** netns mode: the run's /24 as "10.x.y"; loopback: undefined. */
    readonly subnetPrefix: string | undefined,
    /** netns mode: the bridge's name. */
    readonly bridge: string | undefined,
    bridgeHandle: number | undefined,
  ) {
    this.bridgeHandle = bridgeHandle;
    const span = PORT_RANGE.high - PORT_RANGE.low;
    this.nextPort = PORT_RANGE.low + (Number.parseInt(runTag(runId), 16) % Math.floor(span / 100)) * 100;
  }

  /** Create the run's network: in netns mode the bridge (with .1 for the runner); in loopback mode nothing. */
  static async create(opts: HostNetworkOptions): Promise<HostNetwork> {
    const wanted = opts.mode ?? "auto";
    const mode: HostMode = wanted === "auto" ? (namespacesPossible() ? "netns" : "loopback") : wanted;
    if (mode === "loopback")
      return new HostNetwork(opts.runId, mode, opts.ledger, undefined, undefined, undefined);
    if (!namespacesPossible()) {
      throw new Error(
        "network namespaces need root on Linux with `ip` (iproute2); run as root or use loopback hosts",
      );
    }
    const ip = findIp() as string;
    const names = runNames(opts.runId);
    const prefix = await pickSubnet(opts.runId, ip);
    const handle = opts.ledger.willCreate({ kind: "bridge", name: names.bridge });
    try {
      await runBatch(
        ip,
        [],
        [
          `link add ${names.bridge} type bridge`,
          `addr add ${prefix}.1/24 dev ${names.bridge}`,
          `link set ${names.bridge} up`,
        ],
      );
    } catch (err) {
      await run(ip, ["link", "del", names.bridge]).catch(() => {});
      opts.ledger.removed(handle);
      throw err;
    }
    return new HostNetwork(opts.runId, mode, opts.ledger, prefix, names.bridge, handle);
  }

  /** The address the runner (root namespace) has on the run's network: programs on hosts reach it there. */
  get runnerAddress(): string {
    return this.subnetPrefix ? `${this.subnetPrefix}.1` : LOOPBACK;
  }

  get hosts(): readonly Host[] {
    return this.hostList;
  }

  /** `base`, or `base-2`, `base-3`... whichever no host of the run has yet. */
  freeHostName(base: string): string {
    const taken = new Set(this.hostList.map((h) => h.name));
    if (!taken.has(base)) return base;
    for (let i = 2; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
  }

  /** Add a host. netns mode: namespace + veth into the bridge + address .(index+2); loopback: 127.0.0.1. */
  async addHost(name: string): Promise<Host> {
    if (this.destroyed) throw new Error("the run's network is already torn down");
    if (this.hostList.some((h) => h.name === name))
      throw new Error(`host ${name} already exists in this run`);
    if (this.mode === "loopback") {
      const host: Host = { name, address: LOOPBACK };
      this.hostList.push(host);
      return host;
    }
    const index = this.hostList.length;
    if (index > 250) throw new Error("too many hosts for one /24");
    const ip = findIp() as string;
    const names = runNames(this.runId);
    const netns = names.netns(index);
    const vethRoot = names.vethRoot(index);
    const address = `${this.subnetPrefix}.${index + 2}`;
    const nsHandle = this.ledger.willCreate({ kind: "netns", name: netns });
    const vethHandle = this.ledger.willCreate({ kind: "veth", name: vethRoot });
    this.hostHandles.push({ netns: nsHandle, veth: vethHandle, vethName: vethRoot, netnsName: netns });
    // Two `ip -batch` calls instead of nine processes: the veth's peer is born inside the namespace as eth0.
    await runBatch(
      ip,
      [],
      [
        `netns add ${netns}`,
        `link add ${vethRoot} type veth peer name eth0 netns ${netns}`,
        `link set ${vethRoot} master ${this.bridge} up`,
      ],
    );
    await runBatch(
      ip,
      ["-n", netns],
      [
        "link set lo up",
        `addr add ${address}/24 dev eth0`,
        "link set eth0 up",
        `route add default via ${this.runnerAddress}`,
      ],
    );
    const host: Host = { name, address, netns, iface: "eth0" };
    this.hostList.push(host);
    return host;
  }

  /**
   * A port for a program on `host`, unused by this run on that host. In netns mode each host has its own
   * address, so `preferred` is used as given; on loopback all hosts share one address, so ports come from a
   * range chosen by the run id and are checked to be free.
   */
  async allocatePort(host: Host, preferred?: number): Promise<number> {
    const used = this.usedPorts.get(host.address) ?? new Set<number>();
    this.usedPorts.set(host.address, used);
    if (this.mode === "netns" && preferred !== undefined && !used.has(preferred)) {
      used.add(preferred);
      return preferred;
    }
    for (let tries = 0; tries < 2000; tries++) {
      const port = this.nextPort++;
      if (this.nextPort >= PORT_RANGE.high) this.nextPort = PORT_RANGE.low;
      if (used.has(port)) continue;
      if (this.mode === "loopback" && !(await portIsFree(LOOPBACK, port))) continue;
      used.add(port);
      return port;
    }
    throw new Error("no free port found");
  }

  /** Remove every host and the bridge (reverse order of creation). Safe to call twice. */
  async destroy(): Promise<void> {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.mode === "loopback") return;
    const ip = findIp() as string;
    const hosts = [...this.hostHandles].reverse();
    const lines = hosts.flatMap((h) => [`link del ${h.vethName}`, `netns del ${h.netnsName}`]);
    if (this.bridge) lines.push(`link del ${this.bridge}`);
    // -force: go on past what is already gone; then mark removed only what really is gone
    await runBatch(ip, ["-force"], lines).catch(() => {});
    const netnsLeft = await run(ip, ["netns", "list"]).catch(() => "");
    const linksLeft = await run(ip, ["-o", "link", "show"]).catch(() => "");
    const present = (list: string, name: string) =>
      new RegExp(`(^|[\\s:])${name}([\\s:@]|$)`, "m").test(list);
    for (const h of hosts) {
      if (!present(linksLeft, h.vethName)) this.ledger.removed(h.veth);
      if (!present(netnsLeft, h.netnsName)) this.ledger.removed(h.netns);
    }
    if (this.bridge && this.bridgeHandle !== undefined && !present(linksLeft, this.bridge)) {
      this.ledger.removed(this.bridgeHandle);
    }
  }
}

/** Is a TCP port free to listen on at this address (in the runner's namespace)? */
export function portIsFree(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen({ host: address, port, exclusive: true }, () => server.close(() => resolve(true)));
  });
}

/** Choose 10.x.y from the run id, skipping any /24 that an address or a /16-/32 route of this machine overlaps. */
async function pickSubnet(runId: string, ip: string): Promise<string> {
  const routes = await run(ip, ["-4", "route", "show", "table", "all"]);
  const addrs = await run(ip, ["-4", "-o", "addr", "show"]);
  return chooseSubnet(runId, `${routes}\n${addrs}`);
}

/** The run's "10.x.y" given the text of `ip route`/`ip addr` (pure, for tests). */
export function chooseSubnet(runId: string, inUse: string): string {
  const nets = [...inUse.matchAll(/(\d+)\.(\d+)\.(\d+)\.(\d+)(?:\/(\d+))?/g)].map((m) => ({
    a: Number(m[1]),
    b: Number(m[2]),
    c: Number(m[3]),
    bits: m[5] === undefined ? 32 : Number(m[5]),
  }));
  const overlaps = (x: number, y: number) =>
    nets.some(
      (n) =>
        n.a === 10 &&
        n.b === x &&
        (n.bits >= 24 ? n.c === y : n.bits >= 16 && n.c >> (24 - n.bits) === y >> (24 - n.bits)),
    );
  for (let attempt = 0; attempt < 64; attempt++) {
    const h = createHash("sha1").update(`${runId}/${attempt}`).digest();
    const x = 100 + (h[0] % 100); // 10.100.0.0 - 10.199.255.0: clear of common 10.0/10.1 site ranges
    const y = h[1];
    if (!overlaps(x, y)) return `10.${x}.${y}`;
  }
  throw new Error("could not find a free 10.x.y.0/24 for the run's network");
}

/** A fresh run id: time-ordered and random enough to be unique on this machine. */
export function newRunId(): string {
  const rand = createHash("sha1")
    .update(`${process.pid}/${Date.now()}/${Math.random()}`)
    .digest("hex")
    .slice(0, 6);
  return `${new Date().toISOString().replace(/[-:]/g, "").replace(/\..*/, "")}-${rand}`;
}
