// Real redis-server processes for a run (DESIGN.md section 6): one node, a primary + replica pair, or N
// independent nodes (5 for Redlock). Each node runs on its own host with its own data dir and log file, on a
// non-default port, bound only to its host's address, without persistence. Health is a PING with a
// deadline; a replica is ready only when INFO reports its link up. The nemesis acts on nodes through
// kill/stop/restart/signal. It must never bind 0.0.0.0, never use port 6379, and never leave a node running
// after `stop()`. The tiny RESP client here is for provisioning only, not for recording ops.

import { mkdirSync } from "node:fs";
import { createConnection } from "node:net";
import { join } from "node:path";
import type { Host, HostNetwork } from "../../nemesis/hosts.js";
import type { Ledger } from "../../nemesis/ledger.js";
import { waitUntil } from "../../nemesis/processes.js";
import { ServerProcess } from "../server-process.js";

/** Port used in namespace mode (each host has its own address). Redis's default is 6379. */
export const REDIS_PORT = 16_379;

export interface RedisOptions {
  network: HostNetwork;
  ledger: Ledger;
  /** The redis-server binary (from backends/install.ts). */
  redisPath: string;
  /** Folder for the nodes' data dirs and logs (inside the run's temp dir). */
  dir: string;
  healthTimeoutMs?: number;
  /** Extra environment for the servers (e.g. LD_PRELOAD for the clock shim). */
  env?: NodeJS.ProcessEnv;
}

/** One redis-server: its host, pid, port, files, and the lifecycle the nemesis acts on. */
export class RedisNode extends ServerProcess {
  /** "address:port" of the primary this node replicates, if it is a replica. Changed by promote(). */
  replicaOf: { address: string; port: number } | undefined;

  constructor(
    name: string,
    host: Host,
    readonly port: number,
    dataDir: string,
    logFile: string,
    private readonly opts: RedisOptions,
  ) {
    super(name, host, dataDir, logFile, { ledger: opts.ledger, env: opts.env });
  }

  protected override prepare(): void {
    mkdirSync(this.dataDir, { recursive: true });
  }

  /** The command line (replicating `replicaOf` if set). */
  protected commandLine(): string[] {
    const args = [
      this.opts.redisPath,
      "--port",
      String(this.port),
      "--bind",
      this.address,
      "--dir",
      this.dataDir,
      "--save",
      "",
      "--appendonly",
      "no",
      "--daemonize",
      "no",
      "--protected-mode",
      "no",
      "--repl-diskless-sync",
      "yes",
      "--repl-diskless-sync-delay",
      "0",
      "--logfile",
      "",
    ];
    if (this.replicaOf) args.push("--replicaof", this.replicaOf.address, String(this.replicaOf.port));
    return args;
  }

  /** Wait until PING answers PONG (and, for a replica, until its link to the primary is up). */
  async waitReady(timeoutMs = this.opts.healthTimeoutMs ?? 10_000): Promise<void> {
    await waitUntil(
      async () => this.running && (await this.ping()),
      timeoutMs,
      `${this.name} answering PING`,
    );
    if (this.replicaOf) {
      await waitUntil(
        async () => (await this.replicationInfo()).master_link_status === "up",
        timeoutMs,
        `${this.name} replication link up`,
      );
    }
  }

  async ping(timeoutMs = 500): Promise<boolean> {
    try {
      return (await this.command(["PING"], timeoutMs)) === "PONG";
    } catch {
      return false;
    }
  }

  /** INFO replication as a key/value map. */
  async replicationInfo(timeoutMs = 1_000): Promise<Record<string, string>> {
    const text = String(await this.command(["INFO", "replication"], timeoutMs).catch(() => ""));
    const info: Record<string, string> = {};
    for (const line of text.split("\r\n")) {
      const i = line.indexOf(":");
      if (i > 0) info[line.slice(0, i)] = line.slice(i + 1);
    }
    return info;
  }

  /** Make this replica a primary (REPLICAOF NO ONE): the failover fault. */
  async promote(timeoutMs = 2_000): Promise<void> {
    await this.command(["REPLICAOF", "NO", "ONE"], timeoutMs);
    this.replicaOf = undefined;
  }

  /** One command over a fresh connection (provisioning only). */
  command(args: string[], timeoutMs = 1_000): Promise<RespValue> {
    return respCommand(this.address, this.port, args, timeoutMs);
  }
}

export type RedisTopology = "single" | "primary-replica" | "independent";

export class RedisDeployment {
  constructor(
    readonly topology: RedisTopology,
    readonly nodes: RedisNode[],
  ) {}

  /** The node clients write to first: the single node, the primary, or node 1 of the independent set. */
  get primary(): RedisNode {
    return this.nodes[0];
  }
  /** The replica in primary-replica topology. */
  get replica(): RedisNode | undefined {
    return this.topology === "primary-replica" ? this.nodes[1] : undefined;
  }
  get endpoints(): string[] {
    return this.nodes.map((n) => n.endpoint);
  }
  async stop(graceMs = 5_000): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop(graceMs)));
  }
}

/** Start a topology: "single" (1 node), "primary-replica" (2), or "independent" (`count`, default 5). */
export async function startRedis(
  opts: RedisOptions & { topology: RedisTopology; count?: number; hosts?: Host[] },
): Promise<RedisDeployment> {
  const count = opts.topology === "single" ? 1 : opts.topology === "primary-replica" ? 2 : (opts.count ?? 5);
  const names =
    opts.topology === "primary-replica"
      ? ["redis-primary", "redis-replica"]
      : Array.from({ length: count }, (_, i) => (count === 1 ? "redis" : `redis${i + 1}`));
  const hosts = opts.hosts ?? [];
  for (let i = hosts.length; i < count; i++)
    hosts.push(await opts.network.addHost(opts.network.freeHostName(names[i])));
  mkdirSync(opts.dir, { recursive: true });
  const nodes: RedisNode[] = [];
  for (let i = 0; i < count; i++) {
    const port = await opts.network.allocatePort(hosts[i], REDIS_PORT);
    nodes.push(
      new RedisNode(
        names[i],
        hosts[i],
        port,
        join(opts.dir, `${names[i]}.data`),
        join(opts.dir, `${names[i]}.log`),
        opts,
      ),
    );
  }
  if (opts.topology === "primary-replica")
    nodes[1].replicaOf = { address: nodes[0].address, port: nodes[0].port };
  const deployment = new RedisDeployment(opts.topology, nodes);
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await Promise.all(nodes.map((n) => n.waitReady()));
  } catch (err) {
    await deployment.stop(1_000);
    throw err;
  }
  return deployment;
}

export type RespValue = string | number | null | RespValue[];

/** Send one command in RESP and parse one reply; errors (-ERR ...) reject. */
export function respCommand(
  address: string,
  port: number,
  args: string[],
  timeoutMs: number,
): Promise<RespValue> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: address, port });
    let buf = Buffer.alloc(0);
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`redis ${address}:${port}: no reply within ${timeoutMs} ms`));
    }, timeoutMs);
    const done = (err: Error | undefined, value?: RespValue) => {
      clearTimeout(timer);
      socket.destroy();
      if (err) reject(err);
      else resolve(value as RespValue);
    };
    socket.once("error", (err) => done(err));
    socket.on("connect", () => {
      let out = `*${args.length}\r\n`;
      for (const a of args) out += `$${Buffer.byteLength(a)}\r\n${a}\r\n`;
      socket.write(out);
    });
    socket.on("data", (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      try {
        const parsed = parseResp(buf, 0);
        if (parsed) done(undefined, parsed.value);
      } catch (err) {
        done(err as Error);
      }
    });
  });
}

function parseResp(buf: Buffer, at: number): { value: RespValue; end: number } | undefined {
  const lineEnd = buf.indexOf("\r\n", at);
  if (lineEnd < 0) return undefined;
  const kind = String.fromCharCode(buf[at]);
  const line = buf.toString("utf8", at + 1, lineEnd);
  switch (kind) {
    case "+":
      return { value: line, end: lineEnd + 2 };
    case "-":
      throw new Error(line);
    case ":":
      return { value: Number(line), end: lineEnd + 2 };
    case "$": {
      const len = Number(line);
      if (len < 0) return { value: null, end: lineEnd + 2 };
      if (buf.length < lineEnd + 2 + len + 2) return undefined;
      return { value: buf.toString("utf8", lineEnd + 2, lineEnd + 2 + len), end: lineEnd + 2 + len + 2 };
    }
    case "*": {
      const n = Number(line);
      if (n < 0) return { value: null, end: lineEnd + 2 };
      const items: RespValue[] = [];
      let pos = lineEnd + 2;
      for (let i = 0; i < n; i++) {
        const item = parseResp(buf, pos);
        if (!item) return undefined;
        items.push(item.value);
        pos = item.end;
      }
      return { value: items, end: pos };
    }
    default:
      throw new Error(`unexpected RESP reply type ${JSON.stringify(kind)}`);
  }
}
