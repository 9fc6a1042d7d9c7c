// The delay fault on a server's client links. Where the kernel has `tc netem` (detected once, in a scratch
// namespace), netem on the server host's interface; where it has not (this project's machines), a DelayProxy
// in the runner in front of each server port, with a DNAT rule in each client host's namespace (a nat chain
// of the run) sending the clients' new connections to the proxy, so clients need no other address.
// Fronts must be set up before clients connect (DNAT only catches new connections). The links between
// cluster members are fronted earlier, by the provisioner's hook (nemesis/peer-links.ts); `delay()` on a
// member turns up its client-side proxy and, when the run has them, its peer links too.
// The nat chains and jumps are in the ledger before they exist. It must never touch another chain, and
// `dispose()` must leave no proxy, chain or qdisc of the run.

import { execFile } from "node:child_process";
import { findIp, type Host, runTag } from "./hosts.js";
import { iptablesIn } from "./iptables.js";
import type { Ledger } from "./ledger.js";
import { PeerLinks } from "./peer-links.js";
import { DelayProxy, type ProxyFaults } from "./proxy.js";

function runTool(file: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(file, args, { timeout: 10_000 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")}: ${String(stderr).trim() || err.message}`));
      else resolve(String(stdout));
    });
  });
}

let netemProbe: Promise<{ ok: boolean; why: string }> | undefined;

/** Whether `tc qdisc ... netem` works here (tried once on the loopback of a scratch namespace). */
export function netemSupport(): Promise<{ ok: boolean; why: string }> {
  netemProbe ??= (async () => {
    const ip = findIp();
    if (!ip || process.getuid?.() !== 0) return { ok: false, why: "needs root and iproute2" };
    const ns = `ls-netem-probe-${process.pid}`;
    try {
      await runTool(ip, ["netns", "add", ns]);
    } catch (err) {
      return { ok: false, why: (err as Error).message };
    }
    try {
      await runTool(ip, [
        "netns",
        "exec",
        ns,
        "tc",
        "qdisc",
        "add",
        "dev",
        "lo",
        "root",
        "netem",
        "delay",
        "1ms",
      ]);
      return { ok: true, why: "tc netem available" };
    } catch (err) {
      const msg = (err as Error).message;
      return { ok: false, why: /unknown|No such file/.test(msg) ? "the kernel has no netem qdisc" : msg };
    } finally {
      await runTool(ip, ["netns", "del", ns]).catch(() => {});
    }
  })();
  return netemProbe;
}

/** `ip` arguments that set netem delay (and loss) on `iface` inside namespace `ns` (replace: idempotent). */
export function netemDelayArgs(ns: string, iface: string, faults: Partial<ProxyFaults>): string[] {
  const args = ["netns", "exec", ns, "tc", "qdisc", "replace", "dev", iface, "root", "netem"];
  args.push("delay", `${faults.latencyMs ?? 0}ms`, `${faults.jitterMs ?? 0}ms`);
  if (faults.resetProbability) args.push("loss", `${faults.resetProbability * 100}%`);
  return args;
}

/** `ip` arguments that remove the netem qdisc from `iface` inside namespace `ns`. */
export function netemDeleteArgs(ns: string, iface: string): string[] {
  return ["netns", "exec", ns, "tc", "qdisc", "del", "dev", iface, "root"];
}

export interface DelayTarget {
  /** Name of the server (for faults and evidence). */
  name: string;
  host: Host;
  port: number;
}

export function natChainName(runId: string): string {
  return `LSMD-${runTag(runId)}`;
}

export class LinkDelay {
  private readonly proxies = new Map<string, DelayProxy>();
  private readonly natChains = new Map<string, { chain: number; jump: number }>();
  /** namespace -> the interface netem is on. */
  private readonly netemOn = new Map<string, string>();
  readonly chain: string;

  constructor(
    private readonly ledger: Ledger,
    runId: string,
    /** The runner's address on the run's network (the proxies listen there). */
    private readonly runnerAddress: string,
    /** "proxy" on this kernel; "netem" where tc netem works. */
    readonly mechanism: "proxy" | "netem",
    /** The links between cluster members, when the provisioner fronted them (proxy mechanism only). */
    readonly peers?: PeerLinks,
  ) {
    this.chain = natChainName(runId);
  }

  static async create(ledger: Ledger, runId: string, runnerAddress: string): Promise<LinkDelay> {
    const netem = await netemSupport();
    // with netem, the qdisc on a member's interface already delays its peer traffic
    const peers = netem.ok ? undefined : PeerLinks.forRun(runId);
    return new LinkDelay(ledger, runId, runnerAddress, netem.ok ? "netem" : "proxy", peers);
  }

  /**
   * Puts a proxy in front of `target` for clients on `clientHosts` (namespaced hosts get a DNAT rule).
   * Returns the proxy's endpoint (for clients on hosts without a namespace, which must dial it directly).
   */
  async front(target: DelayTarget, clientHosts: readonly Host[]): Promise<string> {
    if (this.mechanism === "netem") return `${target.host.address}:${target.port}`;
    let proxy = this.proxies.get(target.name);
    if (!proxy) {
      proxy = await DelayProxy.start({
        listen: { address: this.runnerAddress },
        target: { address: target.host.address, port: target.port },
      });
      this.proxies.set(target.name, proxy);
    }
    for (const h of clientHosts) {
      if (!h.netns) continue;
      await this.ensureChain(h.netns);
      await iptablesIn(h.netns, [
        "-t",
        "nat",
        "-A",
        this.chain,
        "-p",
        "tcp",
        "-d",
        `${target.host.address}/32`,
        "--dport",
        String(target.port),
        "-j",
        "DNAT",
        "--to-destination",
        `${proxy.address}:${proxy.port}`,
      ]);
    }
    return proxy.endpoint;
  }

  /** The proxy in front of a server, if any (for stats and tests). */
  proxy(name: string): DelayProxy | undefined {
    return this.proxies.get(name);
  }

  /** Names of the servers that can be delayed. */
  targets(): string[] {
    return [...this.proxies.keys()];
  }

  /** Delays the links of one fronted server (`latencyMs` plus up to `jitterMs`). */
  async delay(target: DelayTarget, faults: Partial<ProxyFaults>): Promise<void> {
    if (this.mechanism === "netem") {
      const ns = target.host.netns;
      if (!ns) throw new Error(`host ${target.host.name} has no namespace for tc netem`);
      const iface = target.host.iface ?? "eth0";
      await runTool(findIp()!, netemDelayArgs(ns, iface, faults));
      this.netemOn.set(ns, iface);
      return;
    }
    const proxy = this.proxies.get(target.name);
    if (!proxy) throw new Error(`no proxy in front of ${target.name}: call front() before clients connect`);
    proxy.set(faults);
    if (this.peers?.targets().includes(target.name)) await this.peers.delay(target.name, faults);
  }

  /** Removes every delay (the proxies stay, as clean pass-throughs). */
  async heal(): Promise<void> {
    for (const p of this.proxies.values()) p.heal();
    await this.peers?.heal().catch(() => {});
    for (const [ns, iface] of [...this.netemOn]) {
      await runTool(findIp()!, netemDeleteArgs(ns, iface)).catch(() => {});
      this.netemOn.delete(ns);
    }
  }

  /** Heals, closes the proxies, and removes the run's nat chains (the peer fronts too). */
  async dispose(): Promise<void> {
    await this.heal();
    await this.peers?.dispose();
    for (const p of this.proxies.values()) await p.close();
    this.proxies.clear();
    for (const [ns, h] of this.natChains) {
      await iptablesIn(ns, ["-t", "nat", "-D", "OUTPUT", "-j", this.chain]).catch(() => {});
      this.ledger.removed(h.jump);
      await iptablesIn(ns, ["-t", "nat", "-F", this.chain]).catch(() => {});
      await iptablesIn(ns, ["-t", "nat", "-X", this.chain]).catch(() => {});
      this.ledger.removed(h.chain);
    }
    this.natChains.clear();
  }

  private async ensureChain(ns: string): Promise<void> {
    if (this.natChains.has(ns)) return;
    const chain = this.ledger.willCreate({
      kind: "iptables-chain",
      netns: ns,
      table: "nat",
      chain: this.chain,
    });
    await iptablesIn(ns, ["-t", "nat", "-N", this.chain]);
    const jump = this.ledger.willCreate({
      kind: "iptables-rule",
      netns: ns,
      table: "nat",
      args: ["OUTPUT", "-j", this.chain],
    });
    await iptablesIn(ns, ["-t", "nat", "-I", "OUTPUT", "1", "-j", this.chain]);
    this.natChains.set(ns, { chain, jump });
  }
}
