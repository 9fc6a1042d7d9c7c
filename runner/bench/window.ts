// The time window of a throughput measurement in `bench:locks`: a warm-up that lasts until the rate is
// steady, then `seconds` measured. The warm-up runs at least `minSeconds` and `minCycles` completed cycles
// and ends at the first whole second after those whose completed cycles are within `tolerance` of the
// second before (JIT tiering, connection pools and caches have settled), or at `maxSeconds`, and says
// which. Only cycles that start inside the measured window count. It must never read a rate from fewer
// than two whole seconds, and never count a cycle that started during the warm-up.

export interface WarmupRule {
  minSeconds: number;
  maxSeconds: number;
  /** Largest relative change between two consecutive seconds' cycle counts that counts as steady. */
  tolerance: number;
  /**
   * Fewest cycles completed before the rate may count as steady. A rate that changes little from one second
   * to the next can still be climbing slowly: ten client workers each run a tenth of the calls, and V8
   * optimises a function only some hundreds of calls after its inline caches last changed
   * (--minimum-invocations-after-ic-update, 500), so their code tiers up over tens of seconds.
   */
  minCycles?: number;
}

export const DEFAULT_WARMUP: WarmupRule = { minSeconds: 3, maxSeconds: 60, tolerance: 0.05 };

const NS = 1_000_000_000n;

export class Window {
  private measureFrom: bigint | undefined;
  private until: bigint | undefined;
  private readonly warmupStart: bigint;
  private secondStart: bigint;
  private inSecond = 0;
  private warmCycles = 0;
  private lastSecond: number | undefined;
  private onOpen: (() => void) | undefined;
  /** Seconds the warm-up lasted, and whether it ended because the rate was steady. */
  warmup: { seconds: number; steady: boolean } | undefined;

  constructor(
    private readonly rule: WarmupRule,
    private readonly seconds: number,
    /** The clock, in ns (tests give their own). */
    private readonly now: () => bigint = () => process.hrtime.bigint(),
  ) {
    this.warmupStart = now();
    this.secondStart = this.warmupStart;
  }

  /** The time a cycle starts at, or undefined when the measured window is over. */
  next(): bigint | undefined {
    const now = this.now();
    return this.until === undefined || now < this.until ? now : undefined;
  }

  /** Note a completed cycle (during the warm-up, it feeds the steadiness test). */
  completed(): void {
    if (this.measureFrom !== undefined) return;
    this.warmCycles++;
    const now = this.now();
    while (now - this.secondStart >= NS) {
      const previous = this.lastSecond;
      this.lastSecond = this.inSecond;
      this.inSecond = 0;
      this.secondStart += NS;
      const elapsed = Number(this.secondStart - this.warmupStart) / 1e9;
      const steady =
        previous !== undefined &&
        previous > 0 &&
        Math.abs(this.lastSecond - previous) <= this.rule.tolerance * previous;
      const enough = elapsed >= this.rule.minSeconds && this.warmCycles >= (this.rule.minCycles ?? 0);
      if ((steady && enough) || elapsed >= this.rule.maxSeconds) {
        this.open(now, elapsed, steady);
        return;
      }
    }
    this.inSecond++;
  }

  counts(cycleStart: bigint): boolean {
    return this.measureFrom !== undefined && cycleStart >= this.measureFrom;
  }

  /** Calls `take` once when the measured window opens. */
  atStart(take: () => void): void {
    this.onOpen = take;
  }

  /** Seconds from the start of the measured window to now (call when every client has stopped). */
  finish(): number {
    if (this.measureFrom === undefined)
      throw new Error("the measured window never opened (no cycle completed)");
    return Number(this.now() - this.measureFrom) / 1e9;
  }

  private open(now: bigint, warmupSeconds: number, steady: boolean): void {
    this.measureFrom = now;
    this.until = now + BigInt(Math.round(this.seconds * 1e9));
    this.warmup = { seconds: warmupSeconds, steady };
    this.onOpen?.();
  }
}
