// Shared set-up for the nemesis's live tests: a ledger in a temp state dir, the run's host network, and
// helpers to start etcd through the project's provisioning. Everything it creates is torn down by `close()`.
// It must never leave a namespace, process or temp dir behind, and never use names not derived from the run.

import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import {
  type EtcdCluster,
  type EtcdMember,
  memberStatus,
  startEtcdCluster,
} from "../../backends/etcd/server.js";
import { findBinary } from "../../backends/install.js";
import { type RedisDeployment, type RedisTopology, startRedis } from "../../backends/redis/server.js";
import { HostNetwork, namespacesPossible } from "../../nemesis/hosts.js";
import { Ledger } from "../../nemesis/ledger.js";

export const canRunLive = namespacesPossible() && !!findBinary("etcd") && !!findBinary("redis-server");

/**
 * A temp dir for a test file whose runs go through `record()`: its ledgers go to `stateDir` (set as
 * LOCKSMITH_STATE_DIR for the file's tests, restored after), and the whole dir is removed after them.
 */
export function useRecordStateDir(prefix: string): { dir: string; stateDir: string } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  const stateDir = join(dir, "state");
  const saved = process.env.LOCKSMITH_STATE_DIR;
  beforeAll(() => {
    process.env.LOCKSMITH_STATE_DIR = stateDir;
  });
  afterAll(() => {
    if (saved === undefined) delete process.env.LOCKSMITH_STATE_DIR;
    else process.env.LOCKSMITH_STATE_DIR = saved;
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, stateDir };
}

export class LiveFixture {
  readonly dir: string;
  readonly ledger: Ledger;
  network!: HostNetwork;
  private readonly closers: Array<() => Promise<void> | void> = [];

  constructor(label: string) {
    this.dir = mkdtempSync(join(tmpdir(), `lsm-${label}-`));
    this.ledger = new Ledger(`t-${label}-${process.pid}-${Date.now()}`, join(this.dir, "state"));
  }

  async open(): Promise<this> {
    this.network = await HostNetwork.create({ runId: this.ledger.runId, ledger: this.ledger, mode: "netns" });
    return this;
  }

  /** Runs `fn` at close time, before the network goes (last registered runs first). */
  onClose(fn: () => Promise<void> | void): void {
    this.closers.push(fn);
  }

  async etcd(env?: NodeJS.ProcessEnv): Promise<EtcdCluster> {
    const cluster = await startEtcdCluster({
      network: this.network,
      ledger: this.ledger,
      etcdPath: findBinary("etcd")!,
      dir: join(this.dir, "etcd"),
      env,
    });
    this.onClose(() => cluster.stop(1_000));
    return cluster;
  }

  async redis(topology: RedisTopology, env?: NodeJS.ProcessEnv, count?: number): Promise<RedisDeployment> {
    const deployment = await startRedis({
      network: this.network,
      ledger: this.ledger,
      redisPath: findBinary("redis-server")!,
      dir: join(this.dir, `redis-${topology}`),
      topology,
      count,
      env,
    });
    this.onClose(() => deployment.stop(1_000));
    return deployment;
  }

  async close(): Promise<void> {
    for (const fn of this.closers.reverse()) await Promise.resolve(fn()).catch(() => {});
    await this.network?.destroy();
    this.ledger.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

const knownIds = new Map<string, string>(); // etcd member id -> member name (learnt while they answer)

/**
 * The leader each running member reports, by member name ("" when it reports none or does not answer).
 * Ids are remembered across calls, so a leader that has stopped answering is still named.
 */
export async function leaderViews(cluster: EtcdCluster): Promise<Map<string, string>> {
  const statuses = await Promise.all(
    cluster.members.map((m) => (m.running ? memberStatus(m, 500).catch(() => undefined) : undefined)),
  );
  statuses.forEach((s, i) => {
    if (s) knownIds.set(s.memberId, cluster.members[i].name);
  });
  const views = new Map<string, string>();
  statuses.forEach((s, i) => {
    views.set(
      cluster.members[i].name,
      s && s.leader !== "0" ? (knownIds.get(s.leader) ?? `?${s.leader}`) : "",
    );
  });
  return views;
}

const b64 = (s: string) => Buffer.from(s).toString("base64");

/** A put through etcd's JSON gateway on one member. */
export async function etcdPut(m: EtcdMember, key: string, value: string, timeoutMs = 1_000): Promise<void> {
  const res = await fetch(`${m.clientUrl}/v3/kv/put`, {
    method: "POST",
    body: JSON.stringify({ key: b64(key), value: b64(value) }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  if (!res.ok) throw new Error(`put on ${m.name}: HTTP ${res.status}`);
}

/** A read of one key from one member (serializable: answered from that member's own state). */
export async function etcdGetLocal(
  m: EtcdMember,
  key: string,
  timeoutMs = 1_000,
): Promise<string | undefined> {
  const res = await fetch(`${m.clientUrl}/v3/kv/range`, {
    method: "POST",
    body: JSON.stringify({ key: b64(key), serializable: true }),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const body = (await res.json()) as { kvs?: Array<{ value?: string }> };
  const v = body.kvs?.[0]?.value;
  return v === undefined ? undefined : Buffer.from(v, "base64").toString();
}

/** Poll `fn` until it returns a value that is not undefined, or throw after `timeoutMs`. */
export async function pollFor<T>(
  fn: () => Promise<T | undefined>,
  timeoutMs: number,
  what: string,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
