// Provisioning the systems under test behind one small interface (DESIGN.md section 6): `start(topology)`
// gives endpoints plus a handle per server (host, pid, address:port, kill/stop/restart/signal) for the
// nemesis; `stop()` takes everything down. LocalProvisioner runs the OS binaries as child processes on the
// run's hosts (namespaces as root, loopback otherwise), installing missing binaries through
// backends/install.ts; backends/testcontainers.ts implements the same interface with Docker.
// A provisioner must never leave a server, host or temp dir behind after `stop()`, and never create one
// without writing it to the run's ledger first.
//
// Usage (the runner, or a test):
//   const ledger = new Ledger(runId);
//   const prov = await LocalProvisioner.create({ runId, ledger });
//   const dep = await prov.start({ kind: "etcd" });      // dep.endpoints: ["10.1xx.y.2:23479", ...]
//   const client = await prov.network.addHost("c1");   // then nemesis/processes.ts spawnOnHost(client, ...)
//   ... await dep.servers[0].kill(); await dep.servers[0].restart(); ...
//   await prov.stop(); ledger.close();

import { mkdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Host, type HostMode, HostNetwork } from "../nemesis/hosts.js";
import type { Ledger } from "../nemesis/ledger.js";
import type { BeforeClusterStart } from "../nemesis/peer-links.js";
import { type EtcdCluster, startEtcdCluster } from "./etcd/server.js";
import { ensureBinaries } from "./install.js";
import { type RedisDeployment, startRedis } from "./redis/server.js";

export type Topology =
  | { kind: "etcd"; members?: number }
  | { kind: "redis-single" }
  | { kind: "redis-primary-replica" }
  | { kind: "redis-independent"; nodes?: number };

/** One server as the nemesis sees it. `pid` is undefined while it is not running (or not a local process). */
export interface ServerHandle {
  readonly name: string;
  readonly host: Host;
  readonly address: string;
  readonly port: number;
  /** "address:port" that clients connect to. */
  readonly endpoint: string;
  readonly pid: number | undefined;
  readonly running: boolean;
  /** SIGKILL and wait for exit (data dir kept). */
  kill(): Promise<unknown>;
  /** SIGTERM (then SIGKILL) and wait for exit. */
  stop(): Promise<unknown>;
  /** Start again on the same data dir and wait until healthy. */
  restart(): Promise<void>;
  /** Signal the server's pid (SIGSTOP/SIGCONT); false when not running. */
  signal(sig: NodeJS.Signals): boolean;
}

export interface Deployment {
  readonly topology: Topology;
  /** Client endpoints, "address:port", in server order. */
  readonly endpoints: string[];
  readonly servers: ServerHandle[];
  /** The typed deployments, for leader lookup (etcd) and promotion (redis). */
  readonly etcd?: EtcdCluster;
  readonly redis?: RedisDeployment;
  stop(): Promise<void>;
}

export interface Provisioner {
  readonly kind: "local" | "testcontainers";
  start(topology: Topology): Promise<Deployment>;
  /** Stop every deployment this provisioner started and remove what it created. */
  stop(): Promise<void>;
}

export interface LocalProvisionerOptions {
  runId: string;
  ledger: Ledger;
  /** Use this network (the caller destroys it); default: create one ("auto" mode) and destroy it on stop. */
  network?: HostNetwork;
  hostMode?: "auto" | HostMode;
  /** Refuse to install missing binaries (throw with the command instead). */
  noInstall?: boolean;
  /** Parent of the run's temp dir (default: the OS temp dir). */
  tempRoot?: string;
  /** Extra environment for every server (e.g. LD_PRELOAD of the clock shim). */
  serverEnv?: NodeJS.ProcessEnv;
  /** Keep the temp dir (data and logs) after stop, e.g. to copy logs; default false. */
  keepDir?: boolean;
  /**
   * Called for an etcd cluster between creating its members' hosts and starting them (the nemesis's peer-link
   * fronts: `peerLinkHook(ledger, faults)` from nemesis/peer-links.ts); what it returns is called in `stop()`
   * after the servers stop. Default none.
   */
  beforeClusterStart?: BeforeClusterStart;
}

/** Servers as local processes on the run's hosts. */
export class LocalProvisioner implements Provisioner {
  readonly kind = "local" as const;
  private readonly deployments: Deployment[] = [];
  /** What `beforeClusterStart` hooks made, undone in `stop()` after the servers stop. */
  private readonly undoHooks: Array<() => Promise<void>> = [];
  private stopped = false;
  private count = 0;

  private constructor(
    readonly network: HostNetwork,
    /** The run's temp dir: servers' data dirs and logs live under it. */
    readonly dir: string,
    private readonly dirHandle: number,
    private readonly ownsNetwork: boolean,
    private readonly opts: LocalProvisionerOptions,
  ) {}

  static async create(opts: LocalProvisionerOptions): Promise<LocalProvisioner> {
    const dir = join(opts.tempRoot ?? tmpdir(), `locksmith-${opts.runId.replace(/[^A-Za-z0-9_.-]/g, "_")}`);
    const dirHandle = opts.ledger.willCreate({ kind: "tempdir", path: dir });
    mkdirSync(dir, { recursive: true });
    let network = opts.network;
    try {
      network ??= await HostNetwork.create({ runId: opts.runId, ledger: opts.ledger, mode: opts.hostMode });
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      opts.ledger.removed(dirHandle);
      throw err;
    }
    return new LocalProvisioner(network, dir, dirHandle, opts.network === undefined, opts);
  }

  async start(topology: Topology): Promise<Deployment> {
    if (this.stopped) throw new Error("provisioner already stopped");
    const sub = join(this.dir, `${topology.kind}-${++this.count}`);
    const base = { network: this.network, ledger: this.opts.ledger, dir: sub, env: this.opts.serverEnv };
    let deployment: Deployment;
    if (topology.kind === "etcd") {
      const { paths } = await ensureBinaries(["etcd"], { noInstall: this.opts.noInstall });
      const hook = this.opts.beforeClusterStart;
      const etcd = await startEtcdCluster({
        ...base,
        etcdPath: paths.etcd,
        members: topology.members,
        beforeStart:
          hook &&
          (async (members) => {
            const undo = await hook(this.network, members);
            if (undo) this.undoHooks.push(undo);
          }),
      });
      deployment = {
        topology,
        endpoints: etcd.endpoints,
        servers: etcd.members,
        etcd,
        stop: () => etcd.stop(),
      };
    } else {
      const { paths } = await ensureBinaries(["redis-server"], { noInstall: this.opts.noInstall });
      const kind =
        topology.kind === "redis-single"
          ? "single"
          : topology.kind === "redis-primary-replica"
            ? "primary-replica"
            : "independent";
      const redis = await startRedis({
        ...base,
        redisPath: paths["redis-server"],
        topology: kind,
        count: topology.kind === "redis-independent" ? topology.nodes : undefined,
      });
      deployment = {
        topology,
        endpoints: redis.endpoints,
        servers: redis.nodes,
        redis,
        stop: () => redis.stop(),
      };
    }
    this.deployments.push(deployment);
    return deployment;
  }

  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.deployments.map((d) => d.stop()));
    for (const undo of this.undoHooks.splice(0)) await undo().catch(() => {});
    if (this.ownsNetwork) await this.network.destroy();
    if (!this.opts.keepDir) {
      rmSync(this.dir, { recursive: true, force: true });
      this.opts.ledger.removed(this.dirHandle);
    }
  }
}
