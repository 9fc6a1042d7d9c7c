// checker/bench/warmup.ts: when the benchmark's warm-up may stop.

import { describe, expect, it } from "vitest";
import { settled, type WarmupRule, warmMore } from "../../checker/bench/warmup.js";

const rule: WarmupRule = { minChecks: 3, minMs: 500, maxMs: 10_000, maxChecks: 50_000 };

describe("bench warm-up", () => {
  it("has settled when the last two windows agree within 5%", () => {
    expect(settled([...Array(20).fill(2)])).toBe(true);
    expect(settled([...Array(10).fill(2), ...Array(10).fill(2.09)])).toBe(true);
    expect(settled([...Array(10).fill(3), ...Array(5).fill(2.5), ...Array(5).fill(2)])).toBe(false); // still getting faster
    expect(settled([2, 2, 2])).toBe(false); // too few to tell
  });

  it("runs at least the minimum checks and time, then until settled, within the caps", () => {
    const flat = Array(40).fill(1);
    expect(warmMore(rule, [1, 1], 10_000)).toBe(true); // fewer than minChecks
    expect(warmMore(rule, flat, 100)).toBe(true); // under minMs
    expect(warmMore(rule, flat, 600)).toBe(false); // settled
    const falling = Array.from({ length: 40 }, (_, i) => 100 - i);
    expect(warmMore(rule, falling, 600)).toBe(true); // not settled yet
    expect(warmMore(rule, falling, 10_000)).toBe(false); // maxMs
    expect(warmMore({ ...rule, maxChecks: 40 }, falling, 600)).toBe(false); // maxChecks
    expect(warmMore({ ...rule, minChecks: 0 }, [], 0)).toBe(false); // no count: no warm-up at all
  });
});
