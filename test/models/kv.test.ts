// kv: get/put/append, missing key = "", partitioned by key; kv-unpartitioned gives the same verdicts.

import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { getModel } from "../../models/index.js";
import { buildHistory } from "./history-builder.js";
import { verdict } from "./verdict.js";

describe("kv", () => {
  const kv = () => getModel("kv");
  it("a missing key reads as the empty string", () => {
    expect(verdict(kv(), [{ p: 0, f: "get", key: "a", out: "", start: 0, end: 1 }])).toBe(true);
    expect(verdict(kv(), [{ p: 0, f: "get", key: "a", out: "x", start: 0, end: 1 }])).toBe(false);
  });
  it("put sets and append appends, per key", () => {
    const ops = [
      { p: 0, f: "put", key: "a", in: "x", start: 0, end: 1 },
      { p: 1, f: "append", key: "a", in: "y", start: 2, end: 3 },
      { p: 2, f: "append", key: "b", in: "z", start: 2, end: 3 },
    ];
    expect(verdict(kv(), [...ops, { p: 3, f: "get", key: "a", out: "xy", start: 4, end: 5 }])).toBe(true);
    expect(verdict(kv(), [...ops, { p: 3, f: "get", key: "b", out: "z", start: 4, end: 5 }])).toBe(true);
    expect(verdict(kv(), [...ops, { p: 3, f: "get", key: "a", out: "yx", start: 4, end: 5 }])).toBe(false);
    expect(verdict(kv(), [...ops, { p: 3, f: "get", key: "b", out: "xz", start: 4, end: 5 }])).toBe(false);
  });
  it("concurrent appends may land in either order, but one order for everyone", () => {
    const ops = [
      { p: 0, f: "append", key: "a", in: "x", start: 0, end: 5 },
      { p: 1, f: "append", key: "a", in: "y", start: 0, end: 5 },
    ];
    expect(verdict(kv(), [...ops, { p: 2, f: "get", key: "a", out: "yx", start: 6, end: 7 }])).toBe(true);
    expect(
      verdict(kv(), [
        ...ops,
        { p: 2, f: "get", key: "a", out: "yx", start: 6, end: 7 },
        { p: 3, f: "get", key: "a", out: "xy", start: 8, end: 9 },
      ]),
    ).toBe(false);
  });
  it("partitions by key; kv-unpartitioned checks one map and agrees", () => {
    const history = buildHistory([
      { p: 0, f: "put", key: "a", in: "1", start: 0, end: 1 },
      { p: 1, f: "put", key: "b", in: "2", start: 0, end: 1 },
      { p: 2, f: "get", key: "b", out: "1", start: 2, end: 3 },
    ]);
    const split = check(history, getModel("kv"), { engine: "ts" });
    expect(split.partitions.map((p) => p.key).sort()).toEqual(["a", "b"]);
    expect(split.valid).toBe(false);
    expect(split.counterexample?.key).toBe("b");
    const whole = check(history, getModel("kv-unpartitioned"), { engine: "ts" });
    expect(whole.partitions).toHaveLength(1);
    expect(whole.valid).toBe(false);
  });
});
