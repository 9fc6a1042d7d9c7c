// The runner's clock (DESIGN.md section 2): nanoseconds on the monotonic clock since the test started.
// It is the only time the checkers trust; it must never be read from the wall clock or from a worker.

export class RunClock {
  private readonly origin: bigint;

  constructor(origin: bigint = process.hrtime.bigint()) {
    this.origin = origin;
  }

  /** ns since the test started (a safe integer for runs of up to ~104 days). */
  now(): number {
    return Number(process.hrtime.bigint() - this.origin);
  }
}

/** Wait `ms` milliseconds (for think and hold times of the workload, never for synchronisation). */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
}
