// mutex (Knossos's boolean lock) and owner-mutex: each rule with a legal and an illegal case.

import { describe, expect, it } from "vitest";
import { getModel } from "../../models/index.js";
import type { OpSpec } from "./history-builder.js";
import { verdict } from "./verdict.js";

const acq = (p: number, start: number, end: number, owner?: string): OpSpec => ({
  p,
  f: "acquire",
  in: owner ? { owner } : undefined,
  start,
  end,
});
const rel = (p: number, start: number, end: number, owner?: string): OpSpec => ({
  p,
  f: "release",
  in: owner ? { owner } : undefined,
  start,
  end,
});
const read = (p: number, start: number, end: number, owner: string | null): OpSpec => ({
  p,
  f: "owner",
  in: {},
  out: { owner },
  start,
  end,
});

describe("mutex", () => {
  const m = () => getModel("mutex");
  it("acquire only when free", () => {
    expect(verdict(m(), [acq(0, 0, 1)])).toBe(true);
    expect(verdict(m(), [acq(0, 0, 1), acq(1, 2, 3)])).toBe(false);
    expect(verdict(m(), [acq(0, 0, 1), rel(0, 2, 3), acq(1, 4, 5)])).toBe(true);
  });
  it("release only when held", () => {
    expect(verdict(m(), [rel(0, 0, 1)])).toBe(false);
    expect(verdict(m(), [acq(0, 0, 1), rel(0, 2, 3)])).toBe(true);
    expect(verdict(m(), [acq(0, 0, 1), rel(0, 2, 3), rel(0, 4, 5)])).toBe(false);
  });
  it("ignores who acts: a release by another process is legal", () => {
    expect(verdict(m(), [acq(0, 0, 1), rel(1, 2, 3)])).toBe(true);
  });
  it("concurrent acquires: only one can win unless a release fits between", () => {
    expect(verdict(m(), [acq(0, 0, 10), acq(1, 0, 10)])).toBe(false);
    expect(verdict(m(), [acq(0, 0, 10), acq(1, 0, 10), rel(2, 1, 9)])).toBe(true);
  });
  it("fail ops did not happen; info ops may have", () => {
    expect(verdict(m(), [{ ...acq(0, 0, 1), type: "fail" }, acq(1, 2, 3)])).toBe(true);
    expect(verdict(m(), [{ ...acq(0, 0, 1), type: "info" }, acq(1, 2, 3)])).toBe(true);
    expect(verdict(m(), [{ ...acq(0, 0, 1), type: "info" }, rel(1, 2, 3)])).toBe(true);
  });
  it("an owner read must agree with held/free", () => {
    expect(verdict(m(), [acq(0, 0, 1), read(1, 2, 3, "anyone")])).toBe(true);
    expect(verdict(m(), [acq(0, 0, 1), read(1, 2, 3, null)])).toBe(false);
  });
  it("ignores protected-resource ops and rejects unknown ops", () => {
    const res: OpSpec = { p: 5, f: "res-write", in: { resource: "register", write: 1 }, start: 0, end: 1 };
    expect(verdict(m(), [acq(0, 0, 1), res, rel(0, 2, 3)])).toBe(true);
    expect(() => verdict(m(), [{ p: 0, f: "lock", start: 0, end: 1 }])).toThrow(/unknown op/);
  });
});

describe("owner-mutex", () => {
  const m = () => getModel("owner-mutex");
  it("acquire by c only when free", () => {
    expect(verdict(m(), [acq(0, 0, 1, "a"), acq(1, 2, 3, "b")])).toBe(false);
    expect(verdict(m(), [acq(0, 0, 1, "a"), rel(0, 2, 3, "a"), acq(1, 4, 5, "b")])).toBe(true);
  });
  it("release by c only when c holds it", () => {
    expect(verdict(m(), [acq(0, 0, 1, "a"), rel(1, 2, 3, "b")])).toBe(false);
    expect(verdict(m(), [acq(0, 0, 1, "a"), rel(1, 2, 3, "a")])).toBe(true);
    expect(verdict(m(), [rel(0, 0, 1, "a")])).toBe(false);
  });
  it("the owner is value.owner, else the process", () => {
    expect(verdict(m(), [acq(0, 0, 1), rel(0, 2, 3)])).toBe(true);
    expect(verdict(m(), [acq(0, 0, 1), rel(1, 2, 3)])).toBe(false);
  });
  it("renew only by the holder", () => {
    const renew = (owner: string): OpSpec => ({ p: 1, f: "renew", in: { owner }, start: 2, end: 3 });
    expect(verdict(m(), [acq(0, 0, 1, "a"), renew("a")])).toBe(true);
    expect(verdict(m(), [acq(0, 0, 1, "a"), renew("b")])).toBe(false);
  });
  it("an owner read returns the holder, or null when free", () => {
    expect(verdict(m(), [acq(0, 0, 1, "a"), read(1, 2, 3, "a")])).toBe(true);
    expect(verdict(m(), [acq(0, 0, 1, "a"), read(1, 2, 3, "b")])).toBe(false);
    expect(verdict(m(), [acq(0, 0, 1, "a"), read(1, 2, 3, null)])).toBe(false);
    expect(verdict(m(), [read(1, 2, 3, null)])).toBe(true);
  });
});
