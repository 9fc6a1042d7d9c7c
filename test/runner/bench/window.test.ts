// The warm-up rule of bench:locks' throughput window (runner/bench/window.ts), on a clock the test drives:
// the measured window opens at the first steady second after the shortest warm-up and the fewest cycles,
// not while the rate still climbs, at the longest warm-up at the latest (then marked not steady), and never counts a cycle that
// started before it opened.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type WarmupRule, Window } from "../../../runner/bench/window.js";

const MS = 1_000_000n;

/** Drives a window with `rates[s]` evenly spaced completed cycles in second s; returns it and the clock. */
function drive(rates: number[], rule: WarmupRule = { minSeconds: 3, maxSeconds: 10, tolerance: 0.05 }) {
  let t = 0n;
  const window = new Window(rule, 5, () => t);
  let opened: bigint | undefined;
  window.atStart(() => {
    opened = t;
  });
  for (const [second, rate] of rates.entries()) {
    for (let k = 0; k < rate && opened === undefined; k++) {
      t = BigInt(second) * 1000n * MS + (BigInt(k) * 1000n * MS) / BigInt(rate);
      window.completed();
    }
  }
  return { window, opened };
}

describe("throughput window warm-up", () => {
  it("opens at the first steady second after the shortest warm-up", () => {
    const { window, opened } = drive([100, 200, 400, 400, 400, 400, 400]);
    expect(window.warmup).toEqual({ seconds: 4, steady: true }); // seconds 2 and 3 agree; seen at t = 4 s
    expect(opened).toBe(4000n * MS);
  });

  it("a steady rate does not open the window before the fewest cycles are done", () => {
    const rates = [100, 200, 400, 400, 400, 400, 400, 400, 400, 400, 400];
    const { window, opened } = drive(rates, {
      minSeconds: 3,
      maxSeconds: 10,
      tolerance: 0.05,
      minCycles: 2_500,
    });
    // 2,500 cycles are done during second 7 (100 + 200 + 400 * 5 = 2,300 by its start); it is steady at t = 8 s
    expect(window.warmup).toEqual({ seconds: 8, steady: true });
    expect(opened).toBe(8000n * MS);
  });

  it("waits while the rate still climbs more than the tolerance, then opens at the maximum, marked", () => {
    const { window } = drive([100, 110, 121, 133, 146, 161, 177, 195, 214, 236, 260, 286]);
    expect(window.warmup).toEqual({ seconds: 10, steady: false });
  });

  it("never counts a cycle that started before the window opened; the window ends `seconds` later", () => {
    let t = 0n;
    const window = new Window({ minSeconds: 1, maxSeconds: 5, tolerance: 0.5 }, 2, () => t);
    let opened: bigint | undefined;
    window.atStart(() => {
      opened = t;
    });
    for (let ms = 0n; opened === undefined; ms += 100n) {
      t = ms * MS;
      window.completed();
    }
    expect(window.warmup).toEqual({ seconds: 2, steady: true });
    expect(window.counts(opened - 1n)).toBe(false);
    expect(window.counts(opened)).toBe(true);
    t = opened + 1999n * MS;
    expect(window.next()).toBe(t);
    t = opened + 2001n * MS;
    expect(window.next()).toBeUndefined();
  });

  it("for any rates, it opens no earlier than the minimum and no later than the maximum (+1 s)", () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 12, maxLength: 12 }), (rates) => {
        const { window } = drive(rates);
        expect(window.warmup).toBeDefined();
        expect(window.warmup!.seconds).toBeGreaterThanOrEqual(3);
        expect(window.warmup!.seconds).toBeLessThanOrEqual(10);
      }),
    );
  });

  it("finish() refuses to report a window that never opened", () => {
    const window = new Window({ minSeconds: 3, maxSeconds: 10, tolerance: 0.05 }, 5, () => 0n);
    expect(() => window.finish()).toThrow(/never opened/);
  });
});
