// Which etcd member an etcd lock client sends its calls to: the leader, when one is known. A write sent to
// a follower is forwarded to the leader (one more hop, one more member's gRPC and raft work), which on a
// 2-core machine costs about half the cluster's CPU per acquire+release cycle. So the client asks the
// members who leads when it is created, sends every call there, and after a call that got no answer from
// etcd it sends the next call to the next member and looks the leader up again in the background, every
// LOOKUP_RETRY_MS until a live member is named leader (right after a leader dies the others still name it
// until they have elected another; a client that stopped looking then would stay on a follower). Where a
// call goes never changes what it does or how it is recorded: it must never re-send a call, never hold a
// call back to wait for a lookup, and never call without the caller's deadline.

import type { Endpoints } from "../../registry.js";
import { EtcdMember } from "../wire/etcd-rpc.js";
import { GRPC_NOT_FOUND, GrpcStatusError } from "../wire/grpc-channel.js";

/** Deadline of each member's status call in a leader lookup. */
const LOOKUP_TIMEOUT_MS = 500;
/** Pause between lookups that found no live leader, and how many lookups a failed call starts at most. */
const LOOKUP_RETRY_MS = 200;
const LOOKUP_ATTEMPTS = 25;

export class LeaderFirst {
  private current = 0;
  private lookup: Promise<boolean> | undefined;
  private seeking = false;
  private closed = false;

  /** One connection per endpoint, in the endpoints' order. */
  private constructor(private readonly members: EtcdMember[]) {}

  /** Clients for every endpoint; the current one is the leader if a lookup finds it within its deadline. */
  static async connect(endpoints: Endpoints, lock: string): Promise<LeaderFirst> {
    const urls = endpoints.etcd ?? [];
    if (urls.length === 0) throw new Error(`${lock} needs etcd endpoints`);
    const route = new LeaderFirst(urls.map((url) => new EtcdMember(url)));
    await route.findLeader();
    return route;
  }

  /** The member that calls go to now. */
  get client(): EtcdMember {
    return this.members[this.current];
  }

  /** Index of the member calls go to now (in the endpoints' order). */
  get currentMember(): number {
    return this.current;
  }

  /**
   * Run one call (which carries its own deadline) on the current member. When it fails without an answer
   * from etcd (a missed deadline, a lost connection) or with a member that cannot serve, later calls go to
   * the next member; this call is not re-sent. A refusal that is about the request ("the lease is gone")
   * is etcd's answer: the member works, the route stays.
   */
  async call<T>(work: (member: EtcdMember) => Promise<T>): Promise<T> {
    const index = this.current;
    try {
      return await work(this.members[index]);
    } catch (err) {
      if (!(err instanceof GrpcStatusError && err.code === GRPC_NOT_FOUND)) this.moveOn(index);
      throw err;
    }
  }

  /**
   * Ask every member who leads (in parallel, with a deadline); go to the leader if it answered too. True
   * when it did.
   */
  findLeader(): Promise<boolean> {
    this.lookup ??= this.askMembers().finally(() => {
      this.lookup = undefined;
    });
    return this.lookup;
  }

  close(): void {
    this.closed = true;
    for (const m of this.members) m.close();
  }

  private moveOn(failed: number): void {
    if (this.closed || this.current !== failed || this.members.length < 2) return;
    this.current = (failed + 1) % this.members.length;
    void this.seekLeader();
  }

  /** Look the leader up until a live one is found, the route is closed, or LOOKUP_ATTEMPTS have failed. */
  private async seekLeader(): Promise<void> {
    if (this.seeking) return;
    this.seeking = true;
    try {
      for (let attempt = 0; attempt < LOOKUP_ATTEMPTS && !this.closed; attempt++) {
        if (await this.findLeader()) return;
        await new Promise<void>((resolve) => setTimeout(resolve, LOOKUP_RETRY_MS).unref());
      }
    } finally {
      this.seeking = false;
    }
  }

  private async askMembers(): Promise<boolean> {
    const statuses = await Promise.all(
      this.members.map((m) =>
        m.status(LOOKUP_TIMEOUT_MS).then(
          (s) => s,
          () => undefined,
        ),
      ),
    );
    if (this.closed) return false;
    // the leader named by most members that answered (a cut-off old leader may still name itself)
    const votes = new Map<string, number>();
    for (const s of statuses) if (s && s.leader !== "0") votes.set(s.leader, (votes.get(s.leader) ?? 0) + 1);
    const named = [...votes].sort((a, b) => b[1] - a[1])[0]?.[0];
    const index = named === undefined ? -1 : statuses.findIndex((s) => s?.member === named);
    if (index < 0) return false;
    this.current = index;
    return true;
  }
}
