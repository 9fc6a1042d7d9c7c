// The nemesis's resources for one run, set up around provisioning: `prepare()` before servers start (builds
// the clock shim, so servers can start with it in their environment), `attach()` once servers are up and
// before clients connect (puts the delay proxies in front of the servers, readies the Redis failover), then
// `context()` for the fault driver, and `dispose()` at the end. Every resource is in the run's ledger.
// This is the API the runner calls (nemesis/run.ts wraps it for `locksmith record`):
//   const nem = await NemesisRuntime.prepare({ ledger, faults });
//   start servers with env nem.serverEnv(); start clients with env nem.clientEnv(host)
//   await nem.attach(network, topology, clientHosts);
//   const driver = new NemesisDriver(packagesFor(faults), nem.context(rng), record);
//   await driver.run(intervalPlan(...), signal); await driver.finish(quietMs); await nem.dispose();
// It must never act on the run's servers itself (faults do), and dispose() must leave nothing behind.

import { rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ClockControl } from "./clock.js";
import { LinkDelay } from "./delay.js";
import { type FailoverNode, RedisFailover } from "./failover.js";
import { DEFAULT_FAULT_OPTIONS, type FaultName, type FaultOptions, type NemesisContext } from "./faults.js";
import type { Rng } from "./grudge.js";
import type { Host, HostNetwork } from "./hosts.js";
import { PacketFilter } from "./iptables.js";
import type { Ledger } from "./ledger.js";
import { Partitioner } from "./partition.js";
import { Pauser } from "./pause.js";
import type { NemesisTopology } from "./targets.js";

export interface NemesisSetup {
  ledger: Ledger;
  /** A folder for offset files (default: a temp dir of its own, in the ledger, removed by dispose). */
  dir?: string;
  faults: readonly FaultName[];
  options?: Partial<FaultOptions>;
}

export class NemesisRuntime {
  readonly pauser: Pauser;
  filter?: PacketFilter;
  partitioner?: Partitioner;
  private delayCtl?: LinkDelay;
  private failoverCtl?: RedisFailover;
  private topo?: NemesisTopology;
  /** Why a wanted resource could not be set up (e.g. no C compiler for the clock shim). */
  readonly problems: string[] = [];

  private constructor(
    private readonly setup: NemesisSetup,
    readonly clock: ClockControl | undefined,
    private ownDir: { path: string; handle: number } | undefined,
  ) {
    this.pauser = new Pauser(setup.ledger);
  }

  static async prepare(setup: NemesisSetup): Promise<NemesisRuntime> {
    let clock: ClockControl | undefined;
    let ownDir: { path: string; handle: number } | undefined;
    const problems: string[] = [];
    if (setup.faults.includes("clock")) {
      let dir = setup.dir;
      if (!dir) {
        dir = join(tmpdir(), `locksmith-nemesis-${setup.ledger.runId.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
        ownDir = { path: dir, handle: setup.ledger.willCreate({ kind: "tempdir", path: dir }) };
      }
      try {
        clock = await ClockControl.create(setup.ledger, join(dir, "clocks"));
      } catch (err) {
        problems.push(`clock: ${(err as Error).message}`);
      }
    }
    const rt = new NemesisRuntime(setup, clock, ownDir);
    rt.problems.push(...problems);
    return rt;
  }

  /**
   * Environment for every server: the clock shim, reading the offset file of the namespace the server runs
   * in (on loopback hosts all servers share one namespace, so server clocks cannot be skewed one by one).
   */
  serverEnv(): Record<string, string> {
    return this.clock ? this.clock.sharedEnv() : {};
  }

  /** Environment for a client process on `host` (the clock shim with the host's own file), or {}. */
  clientEnv(host: Host): Record<string, string> {
    return this.clock ? this.clock.envFor(host) : {};
  }

  /**
   * Called once servers are up and before clients connect. Fronts the servers with the delay proxies when
   * delay or (Redis) failover is wanted (a helper in each namespaced client host, which dials from the
   * client's own address, so partitions still apply); returns each server's endpoint as clients should dial
   * it (the same address, thanks to DNAT, for clients on namespaced hosts; a runner-side proxy's for others).
   */
  async attach(
    network: HostNetwork,
    topology: NemesisTopology,
    clientHosts: readonly Host[],
  ): Promise<Map<string, string>> {
    this.topo = topology;
    if (network.mode === "netns") {
      this.filter = new PacketFilter(this.setup.ledger, network.runId);
      this.partitioner = new Partitioner(this.filter, () => network.hosts);
    }
    const endpoints = new Map<string, string>();
    for (const s of topology.servers) endpoints.set(s.name, `${s.host.address}:${s.port}`);
    const wantsFront =
      this.setup.faults.includes("delay") ||
      (this.setup.faults.includes("failover") && topology.system === "redis-replicated");
    if (!wantsFront || network.mode !== "netns") return endpoints;
    this.delayCtl = await LinkDelay.create(this.setup.ledger, network.runId, network.runnerAddress);
    const direct = clientHosts.some((h) => !h.netns);
    for (const s of topology.servers) {
      const ep = await this.delayCtl.front({ name: s.name, host: s.host, port: s.port }, clientHosts);
      // namespaced clients dial the server's own address (their helper takes it); others dial `ep`
      if (direct) endpoints.set(s.name, ep);
    }
    if (topology.system === "redis-replicated" && topology.servers.length >= 2 && this.partitioner) {
      const [primary, replica] = topology.servers;
      if (!isFailoverNode(primary) || !isFailoverNode(replica))
        throw new Error("redis-replicated servers must be Redis nodes (with command() and replicaOf)");
      this.failoverCtl = new RedisFailover(
        { primary, replica },
        this.partitioner,
        this.delayCtl,
        primary.name,
      );
      // clients reach "the primary" at one address that the failover can move: the primary's fronts (set
      // above, in each client host's helper, and the runner-side proxy for clients without a namespace)
      topology.primary ??= () => this.failoverCtl?.primary.name;
    }
    return endpoints;
  }

  /** The context faults act in; `rng` is the run's seeded random source. */
  context(rng: Rng): NemesisContext {
    if (!this.topo) throw new Error("NemesisRuntime.attach() must be called before context()");
    return {
      topology: this.topo,
      rng,
      pauser: this.pauser,
      partitioner: this.partitioner,
      clock: this.clock,
      delay: this.delayCtl,
      failover: this.failoverCtl,
      options: { ...DEFAULT_FAULT_OPTIONS, ...this.setup.options },
    };
  }

  /** Resumes, heals and removes everything the nemesis made (safe after a finish, and safe twice). */
  async dispose(): Promise<void> {
    this.pauser.resumeAll();
    await this.delayCtl?.dispose().catch(() => {});
    await this.filter?.dispose().catch(() => {});
    this.clock?.dispose();
    if (this.ownDir) {
      rmSync(this.ownDir.path, { recursive: true, force: true });
      this.setup.ledger.removed(this.ownDir.handle);
      this.ownDir = undefined;
    }
  }
}

function isFailoverNode(s: unknown): s is FailoverNode {
  return typeof (s as FailoverNode).command === "function" && "replicaOf" in (s as object);
}
