// Delay on the links BETWEEN cluster members (etcd's raft traffic), where the kernel has no `tc netem`.
// Members open their peer connections as soon as they start and keep them for the whole run, and a DNAT rule
// never catches a connection that is already open, so the fronts must exist before the first member starts:
// the provisioner calls `peerLinkHook(...)`'s hook between creating the members' hosts and starting them
// (backends/provisioner.ts `beforeClusterStart`). Per member, one helper process in the member's own namespace
// (nemesis/peer-proxy-main.ts, through nemesis/proxy-helper.ts) holds a pass-through DelayProxy per peer, and a nat chain of the run
// (`LSMP-<tag>`) in that namespace sends the member's connections to each peer's peer port there. The helper
// dials from the member's own address, so partitions and loss rules see the same addresses as without it.
// `LinkDelay` (nemesis/delay.ts) finds the run's PeerLinks by run id and turns their delay up and down.
// Helpers and chains are in the ledger before they exist; `dispose()` removes every one (and cleanup does
// after a crash). It must never front a run that has no delay fault, nor touch a chain it did not create.

import type { Host, HostNetwork } from "./hosts.js";
import { runTag } from "./hosts.js";
import { iptablesIn, NatOutputChains } from "./iptables.js";
import type { Ledger } from "./ledger.js";
import { PEER_PROXY_UID, type PeerRoute } from "./peer-proxy-protocol.js";
import type { ProxyFaults } from "./proxy.js";
import { ProxyHelper } from "./proxy-helper.js";

/** A member as the provisioner plans it, before it starts. */
export interface PeerMember {
  name: string;
  host: Host;
  /** The port the member listens on for its peers. */
  peerPort: number;
}

/**
 * What the provisioner calls between creating the members' hosts and starting them; it resolves with what
 * undoes it (called by the provisioner's `stop()`), if anything.
 */
export type BeforeClusterStart = (
  network: HostNetwork,
  members: readonly PeerMember[],
) => Promise<(() => Promise<void>) | undefined>;

export function peerChainName(runId: string): string {
  return `LSMP-${runTag(runId)}`;
}

/** The nat rule in a member's namespace that sends its connections to `to` through its helper. */
export function peerDnatArgs(
  chain: string,
  to: PeerRoute,
  helper: { address: string; port: number },
): string[] {
  return [
    "-t",
    "nat",
    "-A",
    chain,
    "-p",
    "tcp",
    "-d",
    `${to.address}/32`,
    "--dport",
    String(to.port),
    "-m",
    "owner",
    "!",
    "--uid-owner",
    String(PEER_PROXY_UID),
    "-j",
    "DNAT",
    "--to-destination",
    `${helper.address}:${helper.port}`,
  ];
}

const CLEAN: ProxyFaults = { latencyMs: 0, jitterMs: 0, direction: "both", resetProbability: 0 };

/**
 * The faults of the link between two members, from what each end is set to: the worse of the two (a link
 * is as slow as its slower end's setting). Both directions of a link are delayed.
 */
export function linkFaults(
  a: Partial<ProxyFaults> | undefined,
  b: Partial<ProxyFaults> | undefined,
): ProxyFaults {
  const fa = { ...CLEAN, ...a, direction: "both" as const };
  const fb = { ...CLEAN, ...b, direction: "both" as const };
  const slow = fa.latencyMs + fa.jitterMs >= fb.latencyMs + fb.jitterMs ? fa : fb;
  return {
    latencyMs: slow.latencyMs,
    jitterMs: slow.jitterMs,
    direction: "both",
    resetProbability: Math.max(fa.resetProbability, fb.resetProbability),
  };
}

/** Whether a `--nemesis` value asks for delay (the only fault that needs the peer fronts). */
export function wantsPeerLinks(faults: string | readonly string[]): boolean {
  const names = (typeof faults === "string" ? faults.split(",") : [...faults]).map(
    (p) => p.trim().split("@")[0],
  );
  return names.includes("delay") || names.includes("all");
}

const registry = new Map<string, PeerLinks>();

/**
 * The provisioner's hook for a run whose nemesis has `faults`: puts peer fronts in place when they include
 * delay and the hosts are namespaces; undefined (no extra hop) otherwise.
 */
export function peerLinkHook(
  ledger: Ledger,
  faults: string | readonly string[] | undefined,
): BeforeClusterStart | undefined {
  if (!faults || !wantsPeerLinks(faults)) return undefined;
  return async (network, members) => {
    if (network.mode !== "netns" || members.some((m) => !m.host.netns) || members.length < 2)
      return undefined;
    const links = await PeerLinks.front(ledger, network.runId, members);
    return () => links.dispose();
  };
}

export class PeerLinks {
  private readonly helpers = new Map<string, ProxyHelper>();
  private readonly chains: NatOutputChains;
  /** What each member's links are set to (a link takes the worse of its two ends). */
  private readonly wanted = new Map<string, Partial<ProxyFaults>>();
  private disposed = false;
  readonly chain: string;

  private constructor(
    private readonly ledger: Ledger,
    readonly runId: string,
    readonly members: readonly PeerMember[],
  ) {
    this.chain = peerChainName(runId);
    this.chains = new NatOutputChains(ledger, this.chain);
  }

  /** The run's peer fronts, if its provisioner made them. */
  static forRun(runId: string): PeerLinks | undefined {
    return registry.get(runId);
  }

  /**
   * Starts a helper per member and its DNAT rules, before any member starts. On failure, removes what it
   * made and throws.
   */
  static async front(ledger: Ledger, runId: string, members: readonly PeerMember[]): Promise<PeerLinks> {
    if (registry.has(runId)) throw new Error(`run ${runId} already has peer fronts`);
    const links = new PeerLinks(ledger, runId, members);
    try {
      await Promise.all(members.map((m) => links.startHelper(m)));
      for (const m of members) await links.route(m);
    } catch (err) {
      await links.dispose();
      throw err;
    }
    registry.set(runId, links);
    return links;
  }

  /** Names of the members whose links can be delayed. */
  targets(): string[] {
    return this.members.map((m) => m.name);
  }

  /** Sets the faults on every link of `member` (both directions); a zero latency heals them. */
  async delay(member: string, faults: Partial<ProxyFaults>): Promise<void> {
    if (!this.helpers.has(member)) throw new Error(`no peer front for ${member}`);
    this.wanted.set(member, { ...faults });
    await this.apply();
  }

  /** Every link back to a clean pass-through. */
  async heal(): Promise<void> {
    this.wanted.clear();
    await this.apply();
  }

  /** Connections each helper has forwarded, by `from -> to` (evidence that raft traffic goes through). */
  async stats(): Promise<Map<string, { connections: number; open: number; resets: number }>> {
    const out = new Map<string, { connections: number; open: number; resets: number }>();
    for (const [from, h] of this.helpers) {
      const a = await h.ask({ type: "stats" });
      if (a.type === "stats") for (const [to, s] of Object.entries(a.stats)) out.set(`${from}->${to}`, s);
    }
    return out;
  }

  /** The helpers' pids (for tests that check none is left). */
  pids(): number[] {
    return [...this.helpers.values()].map((h) => h.pid);
  }

  /** Removes the DNAT rules and chains, then stops the helpers (safe twice). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    if (registry.get(this.runId) === this) registry.delete(this.runId);
    await this.chains.dispose();
    await Promise.all([...this.helpers.values()].map((h) => h.stop(2_000)));
    this.helpers.clear();
  }

  private async apply(): Promise<void> {
    for (const [from, h] of this.helpers) {
      for (const m of this.members) {
        if (m.name === from) continue;
        const faults = linkFaults(this.wanted.get(from), this.wanted.get(m.name));
        await h.ask({ type: "set", to: m.name, faults });
      }
    }
  }

  private async startHelper(m: PeerMember): Promise<void> {
    this.helpers.set(m.name, await ProxyHelper.start(this.ledger, m.host, m.name, `peer proxy ${m.name}`));
  }

  private async route(m: PeerMember): Promise<void> {
    const ns = m.host.netns!;
    const routes: PeerRoute[] = this.members
      .filter((p) => p.name !== m.name)
      .map((p) => ({ to: p.name, address: p.host.address, port: p.peerPort }));
    const opened = await this.helpers.get(m.name)!.ask({ type: "open", listen: m.host.address, routes });
    if (opened.type !== "opened")
      throw new Error(`peer proxy of ${m.name}: unexpected answer ${opened.type}`);
    await this.chains.create(ns);
    for (const r of routes)
      await iptablesIn(
        ns,
        peerDnatArgs(this.chain, r, { address: m.host.address, port: opened.ports[r.to] }),
      );
    await this.chains.jump(ns);
  }
}
