// A real etcd 3.4 cluster for a run (DESIGN.md section 6): N members (3 by default), each on its own host,
// with its own data dir and log file, non-default ports, listening only on its host's address, tuned for fast
// failover (--pre-vote, heartbeat 100 ms / election 500 ms), with GOMAXPROCS set to its share of the
// machine's cores. For speed the data dirs live on tmpfs where the machine has one (backends/tmpfs-dir.ts:
// a killed member keeps what it wrote, as on a disk); etcd itself still fsyncs as it always does. Members
// start one at a time (each serving its peer port before the next), then it waits for health with a
// deadline, finds the leader, and lets the nemesis stop, kill and restart single members on the same data
// dir. It must never listen on an address the run did not create (0.0.0.0), never use etcd's default
// ports, never turn etcd's fsync off (--unsafe-no-fsync), and never leave a member running (or a tmpfs
// data dir behind) after `stop()`.

import { mkdirSync } from "node:fs";
import { availableParallelism } from "node:os";
import { join } from "node:path";
import type { Host, HostNetwork } from "../../nemesis/hosts.js";
import type { Ledger } from "../../nemesis/ledger.js";
import { waitUntil } from "../../nemesis/processes.js";
import { ServerProcess } from "../server-process.js";
import { createDataRoot, type DataRoot } from "../tmpfs-dir.js";
import { etcdMemberArgs } from "./flags.js";

/** Ports used in namespace mode (each host has its own address). etcd's defaults are 2379/2380. */
export const ETCD_CLIENT_PORT = 23_479;
export const ETCD_PEER_PORT = 23_480;

export interface EtcdClusterOptions {
  network: HostNetwork;
  ledger: Ledger;
  /** The etcd binary (from backends/install.ts). */
  etcdPath: string;
  /** Folder for the members' logs (inside the run's temp dir), and for their data dirs without tmpfs. */
  dir: string;
  /** Put the data dirs on /dev/shm when it exists (default true); false: under `dir`. */
  dataOnTmpfs?: boolean;
  /** Number of members (default 3). */
  members?: number;
  /** Hosts to use, one per member (default: new hosts "etcd1".."etcdN"). */
  hosts?: Host[];
  /** Health deadline for start and restart (default 15 s). */
  healthTimeoutMs?: number;
  /** Extra environment for the servers (e.g. LD_PRELOAD for the clock shim). */
  env?: NodeJS.ProcessEnv;
  /**
   * Called once the members' hosts and ports exist and before any member starts (so before the first raft
   * connection): the nemesis puts its peer-link fronts in place here (nemesis/peer-links.ts).
   */
  beforeStart?: (members: ReadonlyArray<{ name: string; host: Host; peerPort: number }>) => Promise<void>;
}

/**
 * GOMAXPROCS for each member: the machine's cores shared among the members, at least 1. On 2 cores with 3
 * members that is 1 (Go's default would be 2 each: 6 schedulers for 2 cores, spinning and handing work
 * between threads), measured at about a sixth less etcd CPU per write. A GOMAXPROCS already in the
 * runner's environment wins.
 */
export function goMaxProcs(members: number, cores = availableParallelism()): NodeJS.ProcessEnv {
  if (process.env.GOMAXPROCS) return {};
  return { GOMAXPROCS: String(Math.max(1, Math.floor(cores / Math.max(1, members)))) };
}

/** One etcd member: its host, pid, ports, files, and the lifecycle the nemesis acts on. */
export class EtcdMember extends ServerProcess {
  constructor(
    name: string,
    host: Host,
    readonly clientPort: number,
    readonly peerPort: number,
    dataDir: string,
    logFile: string,
    private readonly cluster: { initialCluster: string; token: string; opts: EtcdClusterOptions },
  ) {
    const { opts } = cluster;
    super(name, host, dataDir, logFile, {
      ledger: opts.ledger,
      env: { ...goMaxProcs(opts.members ?? 3), ...opts.env },
    });
  }

  get port(): number {
    return this.clientPort;
  }
  get clientUrl(): string {
    return `http://${this.endpoint}`;
  }
  get peerUrl(): string {
    return `http://${this.host.address}:${this.peerPort}`;
  }

  protected commandLine(): string[] {
    const { opts, initialCluster, token } = this.cluster;
    return [
      opts.etcdPath,
      ...etcdMemberArgs({
        name: this.name,
        dataDir: this.dataDir,
        listenClientUrl: this.clientUrl,
        advertiseClientUrl: this.clientUrl,
        listenPeerUrl: this.peerUrl,
        advertisePeerUrl: this.peerUrl,
        initialCluster,
        token,
      }),
      "--logger",
      "zap",
      "--log-outputs",
      "stderr",
    ];
  }

  /** Wait until the member reports healthy (a leader exists and it is in the cluster). */
  async waitReady(timeoutMs = this.cluster.opts.healthTimeoutMs ?? 15_000): Promise<void> {
    await waitUntil(() => memberHealthy(this), timeoutMs, `${this.name} healthy`);
  }
}

export class EtcdCluster {
  constructor(
    readonly members: EtcdMember[],
    /** Where the members' data dirs are (removed by `stop()` when it is a tmpfs folder). */
    readonly dataRoot?: DataRoot,
  ) {}

  /** Client endpoints as "address:port", one per member. */
  get endpoints(): string[] {
    return this.members.map((m) => m.endpoint);
  }

  /** The member that currently leads, by asking each running member; undefined when none answers. */
  async leader(timeoutMs = 2_000): Promise<EtcdMember | undefined> {
    const statuses = await Promise.all(
      this.members.map((m) => memberStatus(m, timeoutMs).catch(() => undefined)),
    );
    for (const s of statuses) {
      if (!s || s.leader === "0") continue;
      const idx = statuses.findIndex((t) => t?.memberId === s.leader);
      if (idx >= 0) return this.members[idx];
    }
    return undefined;
  }

  /** Wait until every running member reports healthy (a leader exists and it is in the cluster). */
  async waitHealthy(timeoutMs = 15_000): Promise<void> {
    await waitUntil(
      async () => {
        const oks = await Promise.all(this.members.filter((m) => m.running).map((m) => memberHealthy(m)));
        return oks.length > 0 && oks.every(Boolean);
      },
      timeoutMs,
      "etcd cluster healthy",
    );
  }

  /**
   * Stop every member (SIGTERM, then SIGKILL after the grace period). Followers go first: a leader that is
   * stopped while followers stop too waits for a leadership transfer to a dying member (~5 s).
   */
  async stop(graceMs = 5_000): Promise<void> {
    const running = this.members.filter((m) => m.running);
    const leader = running.length > 1 ? await this.leader(500).catch(() => undefined) : undefined;
    await Promise.all(running.filter((m) => m !== leader).map((m) => m.stop(graceMs)));
    await leader?.stop(graceMs);
    if (this.members.every((m) => !m.running)) this.dataRoot?.remove();
  }
}

/** Start a cluster and wait until it is healthy (or throw after the deadline, with the members stopped). */
export async function startEtcdCluster(opts: EtcdClusterOptions): Promise<EtcdCluster> {
  const count = opts.members ?? 3;
  const hosts = opts.hosts ?? [];
  for (let i = hosts.length; i < count; i++)
    hosts.push(await opts.network.addHost(opts.network.freeHostName(`etcd${i + 1}`)));
  const plan: Array<{ name: string; host: Host; clientPort: number; peerPort: number }> = [];
  for (let i = 0; i < count; i++) {
    const host = hosts[i];
    const clientPort = await opts.network.allocatePort(host, ETCD_CLIENT_PORT);
    const peerPort = await opts.network.allocatePort(host, ETCD_PEER_PORT);
    plan.push({ name: `etcd${i + 1}`, host, clientPort, peerPort });
  }
  await opts.beforeStart?.(plan);
  const initialCluster = plan.map((p) => `${p.name}=http://${p.host.address}:${p.peerPort}`).join(",");
  const token = `locksmith-${opts.network.runId}`;
  mkdirSync(opts.dir, { recursive: true });
  const dataRoot = createDataRoot({
    ledger: opts.ledger,
    runId: opts.network.runId,
    name: "etcd",
    fallback: opts.dir,
    tmpfs: opts.dataOnTmpfs,
  });
  const members = plan.map(
    (p) =>
      new EtcdMember(
        p.name,
        p.host,
        p.clientPort,
        p.peerPort,
        join(dataRoot.path, `${p.name}.data`),
        join(opts.dir, `${p.name}.log`),
        { initialCluster, token, opts },
      ),
  );
  const cluster = new EtcdCluster(members, dataRoot);
  try {
    // One member at a time, each serving its peer port before the next starts. A new etcd 3.4 member,
    // before it serves, asks every other member whether it was bootstrapped already (1 s timeout each).
    // Started together, members whose peer ports are bound but not yet served make each other wait out
    // those timeouts: 2 of 12 starts took ~2.6 s instead of ~0.7 s.
    for (const m of members) {
      await m.start();
      await waitUntil(() => peerServing(m), opts.healthTimeoutMs ?? 15_000, `${m.name} serving peers`, 10);
    }
    await cluster.waitHealthy(opts.healthTimeoutMs ?? 15_000);
  } catch (err) {
    await cluster.stop(1_000);
    throw err;
  }
  return cluster;
}

/**
 * True once the member's peer HTTP server answers at all (any status). Throws if the member has exited:
 * it will not serve, and its log says why.
 */
async function peerServing(m: EtcdMember, timeoutMs = 250): Promise<boolean> {
  if (!m.running) throw new Error(`${m.name} exited while starting; see ${m.logFile}`);
  try {
    const res = await fetch(`${m.peerUrl}/version`, { signal: AbortSignal.timeout(timeoutMs) });
    await res.arrayBuffer();
    return true;
  } catch {
    return false;
  }
}

/** GET /health on one member: true when it answers {"health":"true"}. */
export async function memberHealthy(m: EtcdMember, timeoutMs = 1_000): Promise<boolean> {
  if (!m.running) return false;
  try {
    const res = await fetch(`${m.clientUrl}/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json()) as { health?: string };
    return body.health === "true";
  } catch {
    return false;
  }
}

/** POST /v3/maintenance/status through etcd's JSON gateway: this member's id and the leader it sees. */
export async function memberStatus(
  m: EtcdMember,
  timeoutMs = 1_000,
): Promise<{ memberId: string; leader: string }> {
  const res = await fetch(`${m.clientUrl}/v3/maintenance/status`, {
    method: "POST",
    body: "{}",
    headers: { "content-type": "application/json" },
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { header?: { member_id?: string }; leader?: string };
  return { memberId: String(body.header?.member_id ?? ""), leader: String(body.leader ?? "0") };
}
