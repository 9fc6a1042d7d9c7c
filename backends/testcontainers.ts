// The same topologies as LocalProvisioner, started as Docker containers with testcontainers 11.x (12.x
// needs Node 22), for machines with a Docker engine (DESIGN.md section 6). Servers talk to each other on a
// Docker network of the run by alias; clients reach them through the ports Docker maps on the Docker host.
// Limits, stated plainly: a container's server is not a local process (pid is undefined, and pauses,
// partitions and clock faults do not apply; kill/stop/restart do); mapped ports may change across a restart;
// containers are removed by `stop()` and, if the runner dies, by testcontainers' reaper (Ryuk), not by the
// ledger. It cannot run on the project's machines: they have no Docker engine (`locksmith doctor` says so).
// It must never be imported eagerly by the local path: testcontainers is loaded only when a start is asked.

import type { Host } from "../nemesis/hosts.js";
import { etcdMemberArgs } from "./etcd/flags.js";
import type { Deployment, Provisioner, ServerHandle, Topology } from "./provisioner.js";

export const ETCD_IMAGE = "quay.io/coreos/etcd:v3.4.23";
export const REDIS_IMAGE = "redis:7.0";

type Tc = typeof import("testcontainers");
type Container = import("testcontainers").StartedTestContainer;
type Network = import("testcontainers").StartedNetwork;

class ContainerServer implements ServerHandle {
  private alive = true;
  constructor(
    readonly name: string,
    private container: Container,
    private readonly innerPort: number,
  ) {}
  get host(): Host {
    return { name: this.name, address: this.container.getHost() };
  }
  get address(): string {
    return this.container.getHost();
  }
  get port(): number {
    return this.container.getMappedPort(this.innerPort);
  }
  get endpoint(): string {
    return `${this.address}:${this.port}`;
  }
  get pid(): number | undefined {
    return undefined; // not a process of this machine's runner
  }
  get running(): boolean {
    return this.alive;
  }
  async kill(): Promise<void> {
    await this.container.stop({ timeout: 0, remove: false });
    this.alive = false;
  }
  async stop(): Promise<void> {
    await this.container.stop({ timeout: 5_000, remove: false });
    this.alive = false;
  }
  async restart(): Promise<void> {
    await this.container.restart();
    this.alive = true;
  }
  signal(_sig: NodeJS.Signals): boolean {
    return false; // signals to a container's PID 1 are not supported by this provisioner
  }
  async remove(): Promise<void> {
    await this.container.stop({ timeout: 1_000, remove: true }).catch(() => {});
    this.alive = false;
  }
}

export class TestcontainersProvisioner implements Provisioner {
  readonly kind = "testcontainers" as const;
  private tc: Tc | undefined;
  private network: Network | undefined;
  private readonly servers: ContainerServer[] = [];
  private count = 0;

  private async load(): Promise<{ tc: Tc; network: Network }> {
    this.tc ??= await import("testcontainers");
    try {
      this.network ??= await new this.tc.Network().start();
    } catch (err) {
      throw new Error(
        `testcontainers: no Docker engine answers (${(err as Error).message.split("\n")[0]}); use the local provisioner`,
      );
    }
    return { tc: this.tc, network: this.network };
  }

  async start(topology: Topology): Promise<Deployment> {
    const { tc, network } = await this.load();
    const n = ++this.count;
    const servers =
      topology.kind === "etcd"
        ? await this.startEtcd(tc, network, n, topology.members ?? 3)
        : await this.startRedis(tc, network, n, topology);
    this.servers.push(...servers);
    return {
      topology,
      endpoints: servers.map((s) => s.endpoint),
      servers,
      stop: async () => {
        await Promise.all(servers.map((s) => s.remove()));
      },
    };
  }

  private async startEtcd(tc: Tc, network: Network, n: number, members: number): Promise<ContainerServer[]> {
    const names = Array.from({ length: members }, (_, i) => `etcd${n}-${i + 1}`);
    const cluster = names.map((m) => `${m}=http://${m}:2380`).join(",");
    const containers = await Promise.all(
      names.map((name) =>
        new tc.GenericContainer(ETCD_IMAGE)
          .withNetwork(network)
          .withNetworkAliases(name)
          .withExposedPorts(2379)
          .withCommand([
            "/usr/local/bin/etcd",
            // the same flags as the local provisioner's members (never --unsafe-no-fsync); the data stays on
            // the container's file system, not tmpfs: Docker empties a tmpfs mount when the container stops,
            // so a restarted member would lose its data dir (docs/adapters.md)
            ...etcdMemberArgs({
              name,
              dataDir: "/etcd-data",
              listenClientUrl: "http://0.0.0.0:2379",
              advertiseClientUrl: `http://${name}:2379`,
              listenPeerUrl: "http://0.0.0.0:2380",
              advertisePeerUrl: `http://${name}:2380`,
              initialCluster: cluster,
              token: `locksmith-${n}`,
            }),
          ])
          .withWaitStrategy(tc.Wait.forLogMessage(/ready to serve client requests/))
          .start(),
      ),
    );
    return containers.map((c, i) => new ContainerServer(names[i], c, 2379));
  }

  private async startRedis(
    tc: Tc,
    network: Network,
    n: number,
    topology: Topology,
  ): Promise<ContainerServer[]> {
    const count =
      topology.kind === "redis-single"
        ? 1
        : topology.kind === "redis-primary-replica"
          ? 2
          : ((topology as { nodes?: number }).nodes ?? 5);
    const base = [
      "redis-server",
      "--save",
      "",
      "--appendonly",
      "no",
      "--protected-mode",
      "no",
      "--repl-diskless-sync-delay",
      "0",
    ];
    const out: ContainerServer[] = [];
    for (let i = 0; i < count; i++) {
      const name = `redis${n}-${i + 1}`;
      const replica = topology.kind === "redis-primary-replica" && i === 1;
      const command = replica ? [...base, "--replicaof", `redis${n}-1`, "6379"] : base;
      const container = await new tc.GenericContainer(REDIS_IMAGE)
        .withNetwork(network)
        .withNetworkAliases(name)
        .withExposedPorts(6379)
        .withCommand(command)
        .withWaitStrategy(
          replica
            ? tc.Wait.forLogMessage(/MASTER <-> REPLICA sync: Finished/)
            : tc.Wait.forLogMessage(/Ready to accept connections/),
        )
        .start();
      out.push(new ContainerServer(name, container, 6379));
    }
    return out;
  }

  async stop(): Promise<void> {
    await Promise.all(this.servers.map((s) => s.remove()));
    this.servers.length = 0;
    await this.network?.stop().catch(() => {});
    this.network = undefined;
  }
}
