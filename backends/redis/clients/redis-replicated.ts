// `redis-replicated`: the redis-single lock against the primary of a primary + replica pair, so the
// nemesis can promote the replica (DESIGN.md section 7, failover) and show what asynchronous replication
// loses. The client talks only to the primary it was given; it must never read from the replica.

import type { LockDefinition } from "../../registry.js";
import { firstRedis, RedisSingleLock } from "./redis-single.js";

export const redisReplicated: LockDefinition = {
  name: "redis-replicated",
  topology: "redis-replicated",
  description: "redis-single against a primary whose replica can be promoted (asynchronous replication)",
  ownerReads: true,
  tokenSource: "incr-beside",
  create: (endpoints) => RedisSingleLock.connect(firstRedis(endpoints, "redis-replicated")),
};
