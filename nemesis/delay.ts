// The delay fault on a server's client links. Where the kernel has `tc netem` (detected once, in a scratch
// namespace), netem on the server host's interface; where it has not (this project's machines), a helper in
// each client host's namespace fronts each server port (nemesis/client-links.ts; a DNAT rule there sends the
// clients' new connections to it, so clients need no other address, and it dials from the client's own
// address, so partitions still cut the link); clients on hosts without a namespace get a proxy in the runner.
// Fronts must be set up before clients connect (DNAT only catches new connections). The links between
// cluster members are fronted earlier, by the provisioner's hook (nemesis/peer-links.ts); `delay()` on a
// member turns up its client-side proxy and, when the run has them, its peer links too.
// The nat chains and jumps are in the ledger before they exist. It must never touch another chain, and
// `dispose()` must leave no proxy, chain or qdisc of the run.

import { execFile } from "node:child_process";
import { ClientLinks, clientChainName, type LinkStats } from "./client-links.js";
import { findIp, type Host } from "./hosts.js";
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
  return clientChainName(runId);
}

export class LinkDelay {
  /** Proxies in the runner, only for clients that dial them directly (hosts without a namespace). */
  private readonly proxies = new Map<string, DelayProxy>();
  /** The helpers in the client hosts' namespaces (proxy mechanism). */
  readonly clients: ClientLinks;
  private readonly fronted = new Set<string>();
  /** namespace -> the interface netem is on. */
  private readonly netemOn = new Map<string, string>();
  readonly chain: string;

  constructor(
    ledger: Ledger,
    runId: string,
    /** The runner's address on the run's network (where proxies for direct dialers listen). */
    private readonly runnerAddress: string,
    /** "proxy" on this kernel; "netem" where tc netem works. */
    readonly mechanism: "proxy" | "netem",
    /** The links between cluster members, when the provisioner fronted them (proxy mechanism only). */
    readonly peers?: PeerLinks,
  ) {
    this.clients = new ClientLinks(ledger, runId);
    this.chain = this.clients.chain;
  }

  static async create(ledger: Ledger, runId: string, runnerAddress: string): Promise<LinkDelay> {
    const netem = await netemSupport();
    // with netem, the qdisc on a member's interface already delays its peer traffic
    const peers = netem.ok ? undefined : PeerLinks.forRun(runId);
    return new LinkDelay(ledger, runId, runnerAddress, netem.ok ? "netem" : "proxy", peers);
  }

  /**
   * Fronts `target` for the clients on `clientHosts`: a helper in each namespaced host (reached by DNAT, so
   * those clients keep dialling the server's own address). For hosts without a namespace, or when no host is
   * given (a caller in the runner), also a proxy in the runner. Returns the endpoint clients on hosts without
   * a namespace must dial: that proxy's, or the server's own when there is none.
   */
  async front(target: DelayTarget, clientHosts: readonly Host[]): Promise<string> {
    const own = `${target.host.address}:${target.port}`;
    if (this.mechanism === "netem") return own;
    this.fronted.add(target.name);
    await this.clients.front(
      { name: target.name, address: target.host.address, port: target.port },
      clientHosts,
    );
    if (clientHosts.length > 0 && clientHosts.every((h) => h.netns))
      return this.proxies.get(target.name)?.endpoint ?? own;
    let proxy = this.proxies.get(target.name);
    if (!proxy) {
      proxy = await DelayProxy.start({
        listen: { address: this.runnerAddress },
        target: { address: target.host.address, port: target.port },
      });
      this.proxies.set(target.name, proxy);
    }
    return proxy.endpoint;
  }

  /** The runner-side proxy in front of a server, if one was needed (for direct dialers and tests). */
  proxy(name: string): DelayProxy | undefined {
    return this.proxies.get(name);
  }

  /** Connections forwarded to a server by every front (the client hosts' helpers and the runner's proxy). */
  async stats(name: string): Promise<LinkStats> {
    const s = await this.clients.stats(name);
    const p = this.proxies.get(name)?.stats();
    return p
      ? { connections: s.connections + p.connections, open: s.open + p.open, resets: s.resets + p.resets }
      : s;
  }

  /** Names of the servers that can be delayed. */
  targets(): string[] {
    return [...this.fronted];
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
    if (!this.fronted.has(target.name))
      throw new Error(`no proxy in front of ${target.name}: call front() before clients connect`);
    this.proxies.get(target.name)?.set(faults);
    await this.clients.set(target.name, faults);
    if (this.peers?.targets().includes(target.name)) await this.peers.delay(target.name, faults);
  }

  /**
   * Moves a server's fronts to another server: new connections go there, open ones are reset (a virtual
   * address moving to a promoted replica). Returns how many connections were reset.
   */
  async retarget(name: string, to: { address: string; port: number }): Promise<number> {
    const viaRunner = this.proxies.get(name)?.retarget(to) ?? 0;
    return viaRunner + (await this.clients.retarget(name, to));
  }

  /** Removes every delay (the fronts stay, as clean pass-throughs). */
  async heal(): Promise<void> {
    for (const p of this.proxies.values()) p.heal();
    await this.clients.heal().catch(() => {});
    await this.peers?.heal().catch(() => {});
    for (const [ns, iface] of [...this.netemOn]) {
      await runTool(findIp()!, netemDeleteArgs(ns, iface)).catch(() => {});
      this.netemOn.delete(ns);
    }
  }

  /** Heals, then removes every front of the run: the client hosts' helpers and chains, the peer fronts. */
  async dispose(): Promise<void> {
    await this.heal();
    await this.peers?.dispose();
    await this.clients.dispose();
    for (const p of this.proxies.values()) await p.close();
    this.proxies.clear();
    this.fronted.clear();
  }
}
