// The client side of the delay proxy, where the kernel has no `tc netem`: one helper process per client host,
// in the host's own namespace (nemesis/proxy-helper.ts), holding a pass-through DelayProxy per fronted server;
// a nat chain of the run (`LSMD-<tag>`) in that namespace DNATs the host's new connections to each server
// port to the helper. The helper listens on, and dials out from, the client host's own address, so the
// server sees the client's address and the client sees the server's: a partition between the two (DROP rules
// on source addresses, in each host's INPUT) cuts the proxied traffic exactly as it cuts direct traffic.
// (A proxy in the runner, as this replaced, dials from the runner's address: no partition rule matched it.)
// The helper drops to uid PEER_PROXY_UID once it listens, and the DNAT rules skip that uid, so its own
// upstream connections are not sent back to it. Helpers and chains are in the ledger before they exist;
// helpers exit when their IPC channel closes. `dispose()` must leave no helper, rule or chain of the run, and
// this module must never touch a chain it did not create.

import type { Host } from "./hosts.js";
import { runTag } from "./hosts.js";
import { iptablesIn, NatOutputChains } from "./iptables.js";
import type { Ledger } from "./ledger.js";
import { peerDnatArgs } from "./peer-links.js";
import { NO_FAULTS, type ProxyFaults } from "./proxy.js";
import { ProxyHelper } from "./proxy-helper.js";

/** The run's nat chain in client namespaces (the same name the runner-side fronts used). */
export function clientChainName(runId: string): string {
  return `LSMD-${runTag(runId)}`;
}

/** A server port the clients dial, fronted by every client host's helper under `name`. */
export interface FrontedServer {
  name: string;
  address: string;
  port: number;
}

export type LinkStats = { connections: number; open: number; resets: number };

export class ClientLinks {
  /** host name -> its helper (a promise, so concurrent fronts start one helper per host). */
  private readonly helpers = new Map<string, Promise<ProxyHelper>>();
  private readonly chains: NatOutputChains;
  private readonly chainsReady = new Map<string, Promise<void>>();
  /** server name -> the hosts whose helper has a route to it. */
  private readonly routes = new Map<string, Set<string>>();
  private disposed = false;
  readonly chain: string;

  constructor(
    private readonly ledger: Ledger,
    runId: string,
  ) {
    this.chain = clientChainName(runId);
    this.chains = new NatOutputChains(ledger, this.chain);
  }

  /** Routes the new connections of each namespaced host in `hosts` to `server` through the host's helper. */
  async front(server: FrontedServer, hosts: readonly Host[]): Promise<void> {
    if (this.disposed) throw new Error("client links already disposed");
    const routed = this.routes.get(server.name) ?? new Set<string>();
    this.routes.set(server.name, routed);
    await Promise.all(
      hosts
        .filter((h) => h.netns && !routed.has(h.name))
        .map(async (h) => {
          const helper = await this.helperFor(h);
          const opened = await helper.ask({
            type: "open",
            listen: h.address,
            routes: [{ to: server.name, address: server.address, port: server.port }],
          });
          if (opened.type !== "opened")
            throw new Error(`proxy helper of ${h.name}: unexpected answer ${opened.type}`);
          await this.ensureChain(h.netns!);
          await iptablesIn(
            h.netns!,
            peerDnatArgs(
              this.chain,
              { to: server.name, address: server.address, port: server.port },
              {
                address: h.address,
                port: opened.ports[server.name],
              },
            ),
          );
          routed.add(h.name); // only once the route works: set/heal/retarget ask this host's helper
        }),
    );
  }

  /** Names of the fronted servers. */
  servers(): string[] {
    return [...this.routes.keys()];
  }

  /** Sets the faults on every client's link to `server` (a zero latency heals them). */
  async set(server: string, faults: Partial<ProxyFaults>): Promise<void> {
    await this.each(server, (h) => h.ask({ type: "set", to: server, faults }));
  }

  /** Every link back to a clean pass-through. */
  async heal(): Promise<void> {
    for (const server of this.routes.keys())
      await this.each(server, (h) => h.ask({ type: "set", to: server, faults: NO_FAULTS }));
  }

  /**
   * Sends every client's new connections to `server` elsewhere and resets the open ones (a virtual address
   * moving to a promoted replica). Returns how many connections were reset.
   */
  async retarget(server: string, target: { address: string; port: number }): Promise<number> {
    let reset = 0;
    await this.each(server, async (h) => {
      const a = await h.ask({ type: "retarget", to: server, address: target.address, port: target.port });
      if (a.type === "retargeted") reset += a.reset;
    });
    return reset;
  }

  /** Connections forwarded to `server`, summed over the client hosts. */
  async stats(server: string): Promise<LinkStats> {
    const sum: LinkStats = { connections: 0, open: 0, resets: 0 };
    await this.each(server, async (h) => {
      const a = await h.ask({ type: "stats" });
      const s = a.type === "stats" ? a.stats[server] : undefined;
      if (!s) return;
      sum.connections += s.connections;
      sum.open += s.open;
      sum.resets += s.resets;
    });
    return sum;
  }

  /** The helpers' pids (for tests that check none is left). */
  async pids(): Promise<number[]> {
    const hs = await Promise.allSettled(this.helpers.values());
    return hs.flatMap((r) => (r.status === "fulfilled" ? [r.value.pid] : []));
  }

  /** Removes the DNAT rules and chains, then stops the helpers (safe twice). */
  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    await this.chains.dispose();
    this.chainsReady.clear();
    const hs = await Promise.allSettled(this.helpers.values());
    await Promise.all(hs.map((r) => (r.status === "fulfilled" ? r.value.stop(2_000) : undefined)));
    this.helpers.clear();
    this.routes.clear();
  }

  private async each(server: string, fn: (h: ProxyHelper) => Promise<unknown>): Promise<void> {
    const hosts = [...(this.routes.get(server) ?? [])];
    await Promise.all(hosts.map(async (name) => fn(await this.helpers.get(name)!)));
  }

  private helperFor(h: Host): Promise<ProxyHelper> {
    let p = this.helpers.get(h.name);
    if (!p) {
      p = ProxyHelper.start(this.ledger, h, `client host ${h.name}`, `client proxy ${h.name}`);
      this.helpers.set(h.name, p);
    }
    return p;
  }

  private ensureChain(ns: string): Promise<void> {
    let ready = this.chainsReady.get(ns);
    if (!ready) {
      ready = this.makeChain(ns);
      this.chainsReady.set(ns, ready);
    }
    return ready;
  }

  private async makeChain(ns: string): Promise<void> {
    await this.chains.create(ns);
    await this.chains.jump(ns);
  }
}
