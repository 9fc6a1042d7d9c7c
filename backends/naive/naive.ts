// `naive`: a lock that is wrong on purpose, the positive control (DESIGN.md section 6). Acquire is GET then
// SET (two commands, so two clients can both see the key free and both "win"); release is an
// unconditional DEL (so a client whose lease ran out deletes the next holder's lock). A checker that
// passes this lock under contention is broken. It must stay wrong in exactly these ways and no others:
// its recording (deadlines, fail vs info) is as honest as every other client's.

import type { Redis } from "ioredis";
import { type AcquireRequest, DefiniteFailure, type LockClient, type LockFacts } from "../adapter.js";
import { withDeadline } from "../clients/deadline.js";
import { closeRedis, connectRedis } from "../redis/clients/connection.js";
import { classifyRedis, firstRedis, tokenKey } from "../redis/clients/redis-single.js";
import type { LockDefinition } from "../registry.js";

export class NaiveLock implements LockClient {
  private constructor(private readonly redis: Redis) {}

  static async connect(endpoints: Parameters<LockDefinition["create"]>[0]): Promise<NaiveLock> {
    return new NaiveLock(await connectRedis(firstRedis(endpoints, "naive")));
  }

  async acquire(req: AcquireRequest): Promise<LockFacts> {
    const deadline = Date.now() + req.timeoutMs;
    const holder = await withDeadline(this.redis.get(req.key), req.timeoutMs, "acquire: get").catch(
      classifyRedis,
    );
    if (holder !== null) throw new DefiniteFailure("held");
    // From here on something may have been written: every error is indeterminate.
    await withDeadline(
      this.redis.set(req.key, req.owner, "PX", req.ttlMs),
      deadline - Date.now(),
      "acquire: set",
    );
    const token = await withDeadline(
      this.redis.incr(tokenKey(req.key)),
      deadline - Date.now(),
      "acquire: token",
    );
    return { token: String(token) };
  }

  async renew(req: AcquireRequest): Promise<LockFacts> {
    const set = this.redis.pexpire(req.key, req.ttlMs);
    const renewed = await withDeadline(set, req.timeoutMs, "renew").catch(classifyRedis);
    if (renewed !== 1) throw new DefiniteFailure("not-held");
    return {};
  }

  async release(req: { key: string; owner: string; timeoutMs: number }): Promise<void> {
    await withDeadline(this.redis.del(req.key), req.timeoutMs, "release").catch(classifyRedis);
  }

  async owner(req: { key: string; timeoutMs: number }): Promise<string | null> {
    return withDeadline(this.redis.get(req.key), req.timeoutMs, "owner").catch(classifyRedis);
  }

  async close(): Promise<void> {
    closeRedis(this.redis);
  }
}

export const naive: LockDefinition = {
  name: "naive",
  topology: "redis-single",
  description: "GET-then-SET and an unconditional DEL on Redis: wrong on purpose (the positive control)",
  ownerReads: true,
  tokenSource: "incr-beside",
  create: (endpoints) => NaiveLock.connect(endpoints),
};
