// multi-register (Knossos): txns of [read k v] / [write k v]; nil reads match anything; initial map.

import { describe, expect, it } from "vitest";
import { getModel } from "../../models/index.js";
import { verdict } from "./verdict.js";

describe("multi-register", () => {
  const mr = () => getModel("multi-register", { initial: { x: 0, y: 0 } });
  it("reads see the initial map", () => {
    const txn = (v: unknown) => [
      { p: 0, f: "txn", in: [["read", "x", null]], out: [["read", "x", v]], start: 0, end: 1 },
    ];
    expect(verdict(mr(), txn(0))).toBe(true);
    expect(verdict(mr(), txn(1))).toBe(false);
  });
  it("a txn's writes apply together and in order; later reads in the same txn see them", () => {
    const write = {
      p: 0,
      f: "txn",
      in: [
        ["write", "x", 1],
        ["write", "y", 2],
      ],
      start: 0,
      end: 1,
    };
    const read = (x: number, y: number) => ({
      p: 1,
      f: "txn",
      in: [
        ["read", "x", null],
        ["read", "y", null],
      ],
      out: [
        ["read", "x", x],
        ["read", "y", y],
      ],
      start: 2,
      end: 3,
    });
    expect(verdict(mr(), [write, read(1, 2)])).toBe(true);
    expect(verdict(mr(), [write, read(1, 0)])).toBe(false);
    const rw = {
      p: 2,
      f: "txn",
      in: [
        ["write", "x", 5],
        ["read", "x", 5],
      ],
      start: 0,
      end: 1,
    };
    expect(verdict(mr(), [rw])).toBe(true);
    expect(
      verdict(mr(), [
        {
          ...rw,
          in: [
            ["write", "x", 5],
            ["read", "x", 0],
          ],
        },
      ]),
    ).toBe(false);
  });
  it("a nil read matches any value (Knossos)", () => {
    expect(verdict(mr(), [{ p: 0, f: "txn", in: [["read", "x", null]], start: 0, end: 1 }])).toBe(true);
  });
  it("accepts keyword spellings and rejects malformed txns", () => {
    const k = [{ p: 0, f: ":txn", in: [[":read", ":x", null]], out: [[":read", ":x", 0]], start: 0, end: 1 }];
    expect(verdict(mr(), k)).toBe(true);
    expect(() => verdict(mr(), [{ p: 0, f: "txn", in: [["cas", "x", 1]], start: 0, end: 1 }])).toThrow(
      /txn value/,
    );
  });
});
