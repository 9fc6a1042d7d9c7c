// The command-line flags of one etcd 3.4 member, shared by the local provisioner (backends/etcd/server.ts)
// and the Docker one (backends/testcontainers.ts), so both run the same cluster: a new cluster of named
// members, heartbeat 100 ms / election 500 ms for fast failover, and --pre-vote so a member that comes back
// from a partition does not disrupt the leader; snapshots and WAL files bounded for memory (the data dirs may
// be on tmpfs). It must never add --unsafe-no-fsync (docs/adapters.md).

export interface EtcdMemberFlags {
  name: string;
  dataDir: string;
  /** URL the member serves clients on, and the one it tells clients (the same unless in a container). */
  listenClientUrl: string;
  advertiseClientUrl: string;
  listenPeerUrl: string;
  advertisePeerUrl: string;
  /** "name=peerUrl,..." for every member. */
  initialCluster: string;
  token: string;
}

export function etcdMemberArgs(f: EtcdMemberFlags): string[] {
  return [
    "--name",
    f.name,
    "--data-dir",
    f.dataDir,
    "--listen-client-urls",
    f.listenClientUrl,
    "--advertise-client-urls",
    f.advertiseClientUrl,
    "--listen-peer-urls",
    f.listenPeerUrl,
    "--initial-advertise-peer-urls",
    f.advertisePeerUrl,
    "--initial-cluster",
    f.initialCluster,
    "--initial-cluster-token",
    f.token,
    "--initial-cluster-state",
    "new",
    "--heartbeat-interval",
    "100",
    "--election-timeout",
    "500",
    "--pre-vote",
    // a raft snapshot every 10,000 entries (default 100,000) and at most 2 old WAL files (default 5): the
    // raft log in memory and the WAL on tmpfs stay bounded in long runs (each WAL file is 64 MiB)
    "--snapshot-count",
    "10000",
    "--max-wals",
    "2",
  ];
}
