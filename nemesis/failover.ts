// The failover fault for a Redis primary + replica (DESIGN.md section 7). A lock is really lost only when
// replication is cut before the write, so the fault has two steps: `cut()` partitions primary and replica
// from each other (the primary keeps serving clients and acknowledging writes that never replicate), then
// `promote()` makes the replica a primary (REPLICAOF NO ONE) and moves the clients' front proxy to it, as a
// virtual address would move. `heal()` makes the old primary a replica of the new one, so the pair is whole
// again with the roles swapped. It must never leave the pair with two primaries after `heal()`.

import type { LinkDelay } from "./delay.js";
import type { Host } from "./hosts.js";
import type { Partitioner } from "./partition.js";

/** What the fault needs of a Redis node (backends/redis/server.ts's RedisNode has it). */
export interface FailoverNode {
  name: string;
  host: Host;
  port: number;
  address: string;
  replicaOf: { address: string; port: number } | undefined;
  command(args: string[], timeoutMs?: number): Promise<unknown>;
}

export interface FailoverEvidence {
  from: string;
  to: string;
  connectionsReset: number;
}

export class RedisFailover {
  private primaryNode: FailoverNode;
  private replicaNode: FailoverNode;
  private promoted = false;

  constructor(
    nodes: { primary: FailoverNode; replica: FailoverNode },
    private readonly partitioner: Partitioner,
    /** The fronts (client hosts' helpers, a runner-side proxy); the primary was fronted as `frontName`. */
    private readonly delay: LinkDelay,
    private readonly frontName: string,
  ) {
    this.primaryNode = nodes.primary;
    this.replicaNode = nodes.replica;
  }

  get primary(): FailoverNode {
    return this.primaryNode;
  }
  get replica(): FailoverNode {
    return this.replicaNode;
  }

  /** Cuts replication: primary and replica drop each other's packets. */
  async cut(): Promise<void> {
    const p = this.primaryNode.host.name;
    const r = this.replicaNode.host.name;
    await this.partitioner.partition(
      new Map([
        [p, new Set([r])],
        [r, new Set([p])],
      ]),
    );
  }

  /** Promotes the replica and points the clients' front at it. */
  async promote(): Promise<FailoverEvidence> {
    const from = this.primaryNode;
    const to = this.replicaNode;
    await to.command(["REPLICAOF", "NO", "ONE"], 2_000);
    to.replicaOf = undefined;
    const connectionsReset = await this.delay.retarget(this.frontName, {
      address: to.address,
      port: to.port,
    });
    this.primaryNode = to;
    this.replicaNode = from;
    this.promoted = true;
    return { from: from.name, to: to.name, connectionsReset };
  }

  /**
   * After the partition is healed: the old primary follows the new one (its unreplicated writes are
   * discarded by the full resync, as Redis does). Call after `Partitioner.heal()`.
   */
  async rejoin(): Promise<void> {
    if (!this.promoted) return;
    const follower = this.replicaNode;
    const leader = this.primaryNode;
    await follower.command(["REPLICAOF", leader.address, String(leader.port)], 2_000);
    follower.replicaOf = { address: leader.address, port: leader.port };
    this.promoted = false;
  }
}
