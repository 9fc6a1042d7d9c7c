// A test adapter for test/nemesis/holder-faults-live.test.ts: the built-in redis-single lock, unchanged, except
// that every ok acquire and renew also reports the client process's own Date.now() (`clientNow`), so a
// recorded history shows which client's clock a `clock@holder` fault moved. It must never change what the
// lock does.

import type { LockClient } from "../../backends/adapter.js";
import { redisSingle } from "../../backends/redis/clients/redis-single.js";
import type { LockDefinition } from "../../backends/registry.js";

const lock: LockDefinition = {
  ...redisSingle,
  name: "redis-single-clock-probe",
  description: "redis-single, reporting the client's Date.now() with every acquire and renew (tests)",
  async create(endpoints) {
    const inner = await redisSingle.create(endpoints);
    const client: LockClient = {
      acquire: async (req) => ({ ...(await inner.acquire(req)), clientNow: Date.now() }),
      renew: async (req) => ({ ...(await inner.renew(req)), clientNow: Date.now() }),
      release: (req) => inner.release(req),
      owner: (req) => inner.owner(req),
      close: () => inner.close(),
    };
    return client;
  },
};

export default lock;
