// The fixed workload of `locksmith record` (issue 5; the generator issue replaces it with generated plans).
// Each client loops until the run's end: pick one of K keys, sometimes read its owner, acquire it with the
// TTL, hold it doing read-modify-write sections on the protected resource, renew when the hold is long,
// release, think briefly. A few holds deliberately outstay the TTL before releasing (no resource access
// after the lease's end): correct locks refuse that release, the naive lock deletes the next holder's
// lock. Contention comes from many clients on few keys and short back-offs after a refused acquire.
// A client never touches the resource after its lease's earliest end by the runner's clock.

import type { Completion, RunnerClient } from "./client.js";
import { type RunClock, sleep } from "./clock.js";
import type { SeededRandom } from "./random.js";
import { nextValue, type ResourceKind, type ResourceValue } from "./resource.js";

export interface WorkloadConfig {
  keys: string[];
  ttlMs: number;
  resources: ResourceKind[];
  /** Writes carry the lease's token (the fenced resource checks it). */
  fenced: boolean;
  /** Clock-rate error the lease-lock model allows (the workload stays inside ttl·(1−ε)). */
  epsilon: number;
  /** Probabilities of a hold's shape; the rest are short holds. */
  longHoldRate: number;
  overstayRate: number;
  ownerReadRate: number;
}

export const DEFAULT_WORKLOAD: Omit<WorkloadConfig, "keys" | "ttlMs" | "fenced"> = {
  resources: ["set", "counter", "register"],
  epsilon: 0.01,
  longHoldRate: 0.15,
  overstayRate: 0.08,
  ownerReadRate: 0.1,
};

/** Unique numbers for register writes and set elements, shared by every client of a run. */
export class UniqueSource {
  private next = 1;
  take(): number {
    return this.next++;
  }
}

interface Hold {
  key: string;
  owner: string;
  token?: string;
  /** Runner ns after which the client must not touch the resource. */
  safeUntil: number;
}

const MS = 1_000_000;

export class ClientLoop {
  private attempt = 0;
  private sectionCount = 0;

  constructor(
    private readonly client: RunnerClient,
    private readonly cfg: WorkloadConfig,
    private readonly clock: RunClock,
    private readonly rng: SeededRandom,
    private readonly unique: UniqueSource,
  ) {}

  /** Loop until the runner's clock passes `stopAt` (ns); a hold in progress is finished first. */
  async run(stopAt: number): Promise<void> {
    const { cfg, rng } = this;
    while (this.clock.now() < stopAt) {
      const key = rng.pick(cfg.keys);
      if (this.client.ownerReads && rng.next() < cfg.ownerReadRate) {
        await this.client.lock("owner", key, {}, { timeoutMs: this.callTimeoutMs() });
      }
      const hold = await this.acquire(key);
      if (!hold) {
        await sleep(rng.between(0, 3)); // a short back-off keeps the contention high
        continue;
      }
      const shape = rng.next();
      if (shape < cfg.overstayRate) await this.overstay(hold);
      else if (shape < cfg.overstayRate + cfg.longHoldRate) await this.longHold(hold);
      else await this.shortHold(hold);
      await sleep(rng.between(0, 5));
    }
  }

  private callTimeoutMs(): number {
    return Math.max(100, Math.min(1_000, this.cfg.ttlMs / 2));
  }

  private leaseEnd(grantInvoke: number): number {
    const margin = Math.max(0.15 * this.cfg.ttlMs, 30);
    return grantInvoke + (this.cfg.ttlMs * (1 - this.cfg.epsilon) - margin) * MS;
  }

  private async acquire(key: string): Promise<Hold | undefined> {
    const owner = `c${this.client.index}-${++this.attempt}`;
    const ttlMs = this.cfg.ttlMs;
    const r = await this.client.lock("acquire", key, { owner, ttlMs }, { owner, ttlMs, timeoutMs: ttlMs });
    if (r.type !== "ok") return undefined;
    const token = typeof r.value?.token === "string" ? r.value.token : undefined;
    return { key, owner, token, safeUntil: this.leaseEnd(r.invokeTime) };
  }

  /** 1–3 sections, then release. */
  private async shortHold(hold: Hold): Promise<void> {
    const sections = 1 + this.rng.int(3);
    for (let i = 0; i < sections; i++) {
      if (!(await this.section(hold))) return; // an unknown outcome: the hold is abandoned
      await sleep(this.rng.between(0, this.cfg.ttlMs / 40));
    }
    await this.release(hold);
  }

  /** Sections for about 0.6–1.2 TTL, renewing every third of a TTL. */
  private async longHold(hold: Hold): Promise<void> {
    const until = this.clock.now() + this.rng.between(0.6, 1.2) * this.cfg.ttlMs * MS;
    let lastGrant = this.clock.now();
    while (this.clock.now() < until) {
      if (this.clock.now() - lastGrant > (this.cfg.ttlMs / 3) * MS) {
        const ttlMs = this.cfg.ttlMs;
        const { owner } = hold;
        const r = await this.client.lock(
          "renew",
          hold.key,
          { owner, ttlMs },
          { owner, ttlMs, timeoutMs: this.callTimeoutMs() },
        );
        if (r.type === "info") return;
        if (r.type === "fail") break;
        lastGrant = r.invokeTime;
        hold.safeUntil = Math.max(hold.safeUntil, this.leaseEnd(r.invokeTime));
      }
      if (!(await this.section(hold))) return;
      await sleep(this.rng.between(this.cfg.ttlMs / 40, this.cfg.ttlMs / 10));
    }
    await this.release(hold);
  }

  /** One section, then sleep past the lease's end without touching the resource, then release. */
  private async overstay(hold: Hold): Promise<void> {
    if (!(await this.section(hold))) return;
    const leaseEnd = hold.safeUntil + Math.max(0.15 * this.cfg.ttlMs, 30) * MS;
    await sleep((leaseEnd - this.clock.now()) / MS + this.cfg.ttlMs * this.rng.between(0.1, 0.3));
    await this.release(hold);
  }

  /**
   * A read-modify-write of one resource, if the lease surely lasts; false when an op's outcome is
   * unknown (the process id is retired and the hold abandoned).
   */
  private async section(hold: Hold): Promise<boolean> {
    if (this.clock.now() >= hold.safeUntil) return true;
    const resource = this.cfg.resources[this.sectionCount++ % this.cfg.resources.length];
    const token = this.cfg.fenced ? hold.token : undefined;
    const read: Completion = await this.client.access("res-read", hold.key, resource, hold.owner, token);
    if (read.type === "info") return false;
    if (read.type !== "ok" || this.clock.now() >= hold.safeUntil) return true;
    const added = this.unique.take();
    const value: ResourceValue = nextValue(resource, (read.value?.result ?? null) as ResourceValue, added);
    const write = await this.client.access("res-write", hold.key, resource, hold.owner, token, {
      value,
      added: resource === "set" ? added : undefined,
    });
    return write.type !== "info";
  }

  private async release(hold: Hold): Promise<void> {
    const { owner } = hold;
    await this.client.lock("release", hold.key, { owner }, { owner, timeoutMs: this.callTimeoutMs() });
  }
}
