// register and cas-register: each rule with a legal and an illegal case, and the nil-read options.

import { describe, expect, it } from "vitest";
import { getModel } from "../../models/index.js";
import { verdict } from "./verdict.js";

describe("register", () => {
  const reg = () => getModel("register", { initial: 0 });
  it("a read returns the initial value, or fails to", () => {
    expect(verdict(reg(), [{ p: 0, f: "read", out: 0, start: 0, end: 1 }])).toBe(true);
    expect(verdict(reg(), [{ p: 0, f: "read", out: 5, start: 0, end: 1 }])).toBe(false);
  });
  it("a read after a write returns the value written", () => {
    const w = { p: 0, f: "write", in: 3, start: 0, end: 1 };
    expect(verdict(reg(), [w, { p: 1, f: "read", out: 3, start: 2, end: 3 }])).toBe(true);
    expect(verdict(reg(), [w, { p: 1, f: "read", out: 0, start: 2, end: 3 }])).toBe(false);
  });
  it("a read concurrent with a write may see either value", () => {
    const w = { p: 0, f: "write", in: 3, start: 0, end: 10 };
    expect(verdict(reg(), [w, { p: 1, f: "read", out: 0, start: 2, end: 3 }])).toBe(true);
    expect(verdict(reg(), [w, { p: 1, f: "read", out: 3, start: 2, end: 3 }])).toBe(true);
  });
  it("a write that failed did not happen; one that is unknown may have happened", () => {
    const failed = { p: 0, f: "write", in: 3, start: 0, end: 1, type: "fail" as const };
    expect(verdict(reg(), [failed, { p: 1, f: "read", out: 3, start: 2, end: 3 }])).toBe(false);
    const unknown = { p: 0, f: "write", in: 3, start: 0, end: 1, type: "info" as const };
    expect(verdict(reg(), [unknown, { p: 1, f: "read", out: 3, start: 2, end: 3 }])).toBe(true);
    expect(verdict(reg(), [unknown, { p: 1, f: "read", out: 0, start: 2, end: 3 }])).toBe(true);
    // once a later read saw 3, a read of the old value after that is illegal
    expect(
      verdict(reg(), [
        unknown,
        { p: 1, f: "read", out: 3, start: 2, end: 3 },
        { p: 2, f: "read", out: 0, start: 4, end: 5 },
      ]),
    ).toBe(false);
  });
  it("nil reads: a real nil by default; a wildcard with nilReadMatchesAny (Knossos)", () => {
    const read = [{ p: 0, f: "read", out: null, start: 0, end: 1 }];
    expect(verdict(reg(), read)).toBe(false);
    expect(verdict(getModel("register", { initial: 0, nilReadMatchesAny: true }), read)).toBe(true);
    expect(verdict(getModel("register"), read)).toBe(true); // initial nil
  });
  it("rejects ops it does not know, naming the op", () => {
    expect(() => verdict(reg(), [{ p: 0, f: "cas", in: [0, 1], start: 0, end: 1 }])).toThrow(
      /index 0.*unknown op/,
    );
  });
  it("accepts Jepsen keyword spellings (:read)", () => {
    expect(verdict(reg(), [{ p: 0, f: ":read", out: 0, start: 0, end: 1 }])).toBe(true);
  });
});

describe("cas-register", () => {
  const cas = () => getModel("cas-register");
  it("cas succeeds only when the value is the expected one", () => {
    const w = { p: 0, f: "write", in: 1, start: 0, end: 1 };
    expect(verdict(cas(), [w, { p: 1, f: "cas", in: [1, 2], start: 2, end: 3 }])).toBe(true);
    expect(verdict(cas(), [w, { p: 1, f: "cas", in: [0, 2], start: 2, end: 3 }])).toBe(false);
  });
  it("a cas changes the value", () => {
    const ops = [
      { p: 0, f: "write", in: 1, start: 0, end: 1 },
      { p: 1, f: "cas", in: [1, 2], start: 2, end: 3 },
    ];
    expect(verdict(cas(), [...ops, { p: 2, f: "read", out: 2, start: 4, end: 5 }])).toBe(true);
    expect(verdict(cas(), [...ops, { p: 2, f: "read", out: 1, start: 4, end: 5 }])).toBe(false);
  });
  it("the initial value is a parameter (default nil)", () => {
    const c = [{ p: 0, f: "cas", in: [7, 8], start: 0, end: 1 }];
    expect(verdict(getModel("cas-register", { initial: 7 }), c)).toBe(true);
    expect(verdict(cas(), c)).toBe(false);
    expect(verdict(cas(), [{ p: 0, f: "cas", in: [null, 8], start: 0, end: 1 }])).toBe(true);
  });
  it("a read whose outcome is unknown says nothing", () => {
    expect(verdict(cas(), [{ p: 0, f: "read", out: 5, start: 0, end: 1, type: "info" }])).toBe(true);
  });
  it("a cas needs [old, new]", () => {
    expect(() => verdict(cas(), [{ p: 0, f: "cas", in: 3, start: 0, end: 1 }])).toThrow(/\[old, new\]/);
  });
});
