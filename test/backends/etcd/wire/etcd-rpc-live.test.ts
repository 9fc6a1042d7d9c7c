// Live: the etcd RPCs of the lean transport (backends/etcd/wire/etcd-rpc.ts) against a real 3-member etcd
// cluster started through the project's provisioning: leases (grant, keepalive, revoke, and what etcd says
// of a lease it no longer knows), the two txns of etcd-cas, reads, and the leader a member reports.

import { describe, expect, it } from "vitest";
import { EtcdMember } from "../../../../backends/etcd/wire/etcd-rpc.js";
import { GRPC_NOT_FOUND, GrpcStatusError } from "../../../../backends/etcd/wire/grpc-channel.js";
import { findBinary } from "../../../../backends/install.js";
import { useLiveEtcd } from "../../live-etcd.js";

describe.skipIf(!findBinary("etcd"))("etcd RPCs over the lean transport (live)", () => {
  const members: EtcdMember[] = [];
  const etcd = useLiveEtcd("etcd-rpc", () => {
    for (const m of members) m?.close();
  });
  const member = (i: number) => {
    members[i] ??= new EtcdMember(etcd.urls()[i]);
    return members[i];
  };

  it("every member names the same leader, and it is the cluster's", async () => {
    const statuses = await Promise.all(etcd.urls().map((_, i) => member(i).status(2_000)));
    const leaders = new Set(statuses.map((s) => s.leader));
    expect(leaders.size).toBe(1);
    const named = statuses.findIndex((s) => s.member === statuses[0].leader);
    expect(named).toBeGreaterThanOrEqual(0);
    const leader = await etcd.deployment.etcd!.leader(2_000);
    expect(etcd.deployment.etcd!.members.indexOf(leader!)).toBe(named);
  });

  it("put-if-absent takes a free key once; delete-if-created-at deletes only that creation", async () => {
    const m = member(0);
    const lease = await m.leaseGrant(5, 2_000);
    expect(lease.ttl).toBe(5);
    const first = await m.putIfAbsent("rpc-k", "a", lease.id, 2_000);
    expect(first.succeeded).toBe(true);
    const second = await m.putIfAbsent("rpc-k", "b", lease.id, 2_000);
    expect(second.succeeded).toBe(false);
    expect(BigInt(second.revision)).toBeGreaterThanOrEqual(BigInt(first.revision));
    expect(await m.get("rpc-k", 2_000)).toBe("a");
    const wrong = await m.deleteIfCreatedAt("rpc-k", String(BigInt(first.revision) + 1n), 2_000);
    expect(wrong.succeeded).toBe(false);
    expect(await member(1).get("rpc-k", 2_000)).toBe("a");
    const right = await m.deleteIfCreatedAt("rpc-k", first.revision, 2_000);
    expect(right.succeeded).toBe(true);
    expect(await member(2).get("rpc-k", 2_000)).toBeNull();
  });

  it("a keepalive renews a live lease; a revoked lease answers TTL 0 and refuses txns and revokes", async () => {
    const m = member(0);
    const lease = await m.leaseGrant(3, 2_000);
    expect(await m.leaseKeepAlive(lease.id, 2_000)).toBe(3);
    await m.putIfAbsent("rpc-leased", "x", lease.id, 2_000);
    await m.leaseRevoke(lease.id, 2_000);
    expect(await m.get("rpc-leased", 2_000)).toBeNull(); // revoking the lease deleted its key
    expect(await m.leaseKeepAlive(lease.id, 2_000)).toBe(0);
    const txn = await m.putIfAbsent("rpc-leased", "y", lease.id, 2_000).catch((e: unknown) => e);
    expect(txn).toBeInstanceOf(GrpcStatusError);
    expect((txn as GrpcStatusError).code).toBe(GRPC_NOT_FOUND);
    const revoke = await m.leaseRevoke(lease.id, 2_000).catch((e: unknown) => e);
    expect(revoke).toBeInstanceOf(GrpcStatusError);
    expect((revoke as GrpcStatusError).code).toBe(GRPC_NOT_FOUND);
  });

  it("keepalives sent together on the member's one keepalive stream each get their own lease's TTL", async () => {
    const m = member(1);
    const short = await m.leaseGrant(3, 2_000);
    const long = await m.leaseGrant(7, 2_000);
    for (let round = 0; round < 20; round++) {
      const ttls = await Promise.all([
        m.leaseKeepAlive(short.id, 2_000),
        m.leaseKeepAlive(long.id, 2_000),
        m.leaseKeepAlive(short.id, 2_000),
      ]);
      expect(ttls).toEqual([3, 7, 3]);
    }
    await m.leaseRevoke(short.id, 2_000);
    expect(await Promise.all([m.leaseKeepAlive(short.id, 2_000), m.leaseKeepAlive(long.id, 2_000)])).toEqual([
      0, 7,
    ]);
    await m.leaseRevoke(long.id, 2_000);
  });
});
