// lease-lock (DESIGN.md section 4, docs/models.md): one test per rule, legal and illegal, and timings
// at the TTL boundary. Times are in ms (scaled to the runner's ns); TTL 1000 ms and ε = 0.01 give a
// guaranteed lease of 990 ms unless a test says otherwise.

import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { leaseLockModel } from "../../models/lease-lock.js";
import { ModelInputError } from "../../models/values.js";
import { buildHistory, type OpSpec } from "./history-builder.js";
import { verdict as verdictOf } from "./verdict.js";

const MS = 1_000_000;
type Options = Parameters<typeof leaseLockModel>[0];
const verdict = (ops: OpSpec[], options: Options = {}) => verdictOf(leaseLockModel(options), ops, MS);

let nextProcess = 0;
const acquire = (owner: string, start: number, end: number, extra: Record<string, unknown> = {}): OpSpec => ({
  p: nextProcess++,
  f: "acquire",
  in: { owner, ttlMs: 1000 },
  out: { owner, ttlMs: 1000, ...extra },
  start,
  end,
});
const renew = (owner: string, start: number, end: number): OpSpec => ({
  p: nextProcess++,
  f: "renew",
  in: { owner, ttlMs: 1000 },
  start,
  end,
});
const release = (owner: string, start: number, end: number): OpSpec => ({
  p: nextProcess++,
  f: "release",
  in: { owner },
  start,
  end,
});
const owner = (x: string | null, start: number, end: number): OpSpec => ({
  p: nextProcess++,
  f: "owner",
  in: {},
  out: { owner: x },
  start,
  end,
});

describe("lease-lock: acquire", () => {
  it("is legal when nobody holds the lock", () => {
    expect(verdict([acquire("a", 0, 1)])).toBe(true);
  });
  it("by another owner is illegal while the holder's lease may still run (it ends by 990 ms)", () => {
    expect(verdict([acquire("a", 0, 1), acquire("b", 500, 989.999)])).toBe(false);
  });
  it("by another owner is legal once the holder's lease may have ended (completes at >= 990 ms)", () => {
    expect(verdict([acquire("a", 0, 1), acquire("b", 500, 990)])).toBe(true);
    expect(verdict([acquire("a", 0, 1), acquire("b", 2000, 2001)])).toBe(true);
  });
  it("the lease starts at the invocation, not the completion", () => {
    // a's acquire took 600 ms to return: its lease may have started at 0 and ended at 990.
    expect(verdict([acquire("a", 0, 600), acquire("b", 700, 995)])).toBe(true);
  });
  it("by the holder itself (a second acquire) needs the earlier lease to have ended too", () => {
    expect(verdict([acquire("a", 0, 1), acquire("a", 100, 200)])).toBe(false);
    expect(verdict([acquire("a", 0, 1), acquire("a", 100, 990)])).toBe(true);
  });
  it("uses leaseGrantedAt when the client reports an earlier grant", () => {
    // invoked at 100: without the report the lease may run to 1090; granted at 0, it may end at 990.
    expect(verdict([acquire("a", 100, 101), acquire("b", 500, 995)])).toBe(false);
    expect(verdict([acquire("a", 100, 101, { leaseGrantedAt: 0 }), acquire("b", 500, 995)])).toBe(true);
    // a grant reported later than the invocation does not move the start later
    expect(verdict([acquire("a", 0, 101, { leaseGrantedAt: 50 * MS }), acquire("b", 500, 995)])).toBe(true);
  });
  it("epsilon: a larger drift bound shortens the guaranteed lease (TTL·(1−ε))", () => {
    const ops = [acquire("a", 0, 1), acquire("b", 500, 950)];
    expect(verdict(ops, { epsilon: 0.01 })).toBe(false);
    expect(verdict(ops, { epsilon: 0.1 })).toBe(true);
  });
  it("with fencing, tokens must increase; without, they are not compared", () => {
    const ops = (t1: string, t2: string) => [
      acquire("a", 0, 1, { token: t1 }),
      release("a", 2, 3),
      acquire("b", 4, 5, { token: t2 }),
    ];
    expect(verdict(ops("41", "42"), { fencing: true })).toBe(true);
    expect(verdict(ops("42", "42"), { fencing: true })).toBe(false);
    expect(verdict(ops("42", "41"), { fencing: true })).toBe(false);
    expect(verdict(ops("42", "41"))).toBe(true);
    // compared as integers, not as strings
    expect(verdict(ops("9", "10"), { fencing: true })).toBe(true);
    expect(verdict(ops("99999999999999999998", "99999999999999999999"), { fencing: true })).toBe(true);
  });
  it("with fencing, an unknown acquire has no token: no check, and the last token stays", () => {
    const ops = [
      acquire("a", 0, 1, { token: "5" }),
      release("a", 2, 3),
      { ...acquire("b", 4, 5), type: "info" as const },
      owner("b", 6, 7),
      release("b", 8, 9),
      acquire("c", 10, 11, { token: "6" }),
    ];
    expect(verdict(ops, { fencing: true })).toBe(true);
    ops[5] = acquire("c", 10, 11, { token: "5" });
    expect(verdict(ops, { fencing: true })).toBe(false);
  });
  it("with fencing, an ok acquire without a token is bad input", () => {
    expect(() => verdict([acquire("a", 0, 1)], { fencing: true })).toThrow(/token/);
  });
});

describe("lease-lock: renew", () => {
  it("is legal only when the owner holds the lock", () => {
    expect(verdict([acquire("a", 0, 1), renew("a", 500, 501)])).toBe(true);
    expect(verdict([acquire("a", 0, 1), renew("b", 500, 501)])).toBe(false);
    expect(verdict([renew("a", 0, 1)])).toBe(false);
  });
  it("extends the lease from the renew's invocation", () => {
    // renewed at 800: the lease may run to 800 + 990 = 1790, so b cannot acquire before then
    expect(verdict([acquire("a", 0, 1), renew("a", 800, 801), acquire("b", 1000, 1789)])).toBe(false);
    expect(verdict([acquire("a", 0, 1), renew("a", 800, 801), acquire("b", 1000, 1790)])).toBe(true);
  });
  it("never shortens the lease", () => {
    // a renew with a short TTL after a long acquire keeps the long lease
    const short: OpSpec = { ...renew("a", 100, 101), in: { owner: "a", ttlMs: 10 } };
    expect(verdict([acquire("a", 0, 1), short, acquire("b", 200, 500)])).toBe(false);
  });
});

describe("lease-lock: release", () => {
  it("by the holder frees the lock at once", () => {
    expect(verdict([acquire("a", 0, 1), release("a", 2, 3), acquire("b", 4, 5)])).toBe(true);
  });
  it("when nobody holds the lock is legal", () => {
    expect(verdict([release("a", 0, 1)])).toBe(true);
  });
  it("by another owner while the holder's lease may run is illegal (it deleted someone else's lock)", () => {
    expect(verdict([acquire("a", 0, 1), release("b", 100, 200)])).toBe(false);
  });
  it("by another owner after the holder's lease may have ended is legal, and frees the lock", () => {
    expect(verdict([acquire("a", 0, 1), release("b", 100, 990)])).toBe(true);
    expect(verdict([acquire("a", 0, 1), release("b", 100, 990), owner(null, 991, 992)])).toBe(true);
  });
});

describe("lease-lock: owner reads", () => {
  it("returning the holder is legal; returning someone else is not", () => {
    expect(verdict([acquire("a", 0, 1), owner("a", 2, 3)])).toBe(true);
    expect(verdict([acquire("a", 0, 1), owner("b", 2, 3)])).toBe(false);
    expect(verdict([owner("a", 2, 3)])).toBe(false);
  });
  it("returning none is legal when free, or once the lease may have ended (then the lock is free)", () => {
    expect(verdict([owner(null, 0, 1)])).toBe(true);
    expect(verdict([acquire("a", 0, 1), owner(null, 500, 989)])).toBe(false);
    expect(verdict([acquire("a", 0, 1), owner(null, 500, 990)])).toBe(true);
    // after the read saw none, the holder is none: a later read of "a" is illegal
    expect(verdict([acquire("a", 0, 1), owner(null, 500, 990), owner("a", 1000, 1001)])).toBe(false);
  });
  it("an owner read whose outcome is unknown says nothing", () => {
    expect(verdict([acquire("a", 0, 1), { ...owner("b", 2, 3), type: "info" }])).toBe(true);
  });
});

describe("lease-lock: time and indeterminate ops", () => {
  it("time only moves forward: an op placed late pushes the next ones later", () => {
    // b's acquire must be placed at >= 990 (a's lease), so a read that sees b must be placed at >= 990
    // too: ending at 995 it can be; ending at 989 it cannot (and before b's acquire, a holds the lock).
    expect(verdict([acquire("a", 0, 1), acquire("b", 500, 1000), owner("b", 900, 995)])).toBe(true);
    expect(verdict([acquire("a", 0, 1), acquire("b", 500, 1000), owner("b", 900, 989)])).toBe(false);
  });
  it("an unknown acquire may take effect late, or never", () => {
    const lost = { ...acquire("a", 0, 1), type: "info" as const };
    expect(verdict([lost, owner("a", 5, 6)])).toBe(true);
    expect(verdict([lost, owner(null, 5, 6)])).toBe(true);
    expect(verdict([lost, acquire("b", 5, 6)])).toBe(true);
    // b holds until >= 1000; a's unknown acquire, invoked at 10, can only take effect after that
    const late = { ...acquire("a", 10, 11), type: "info" as const };
    expect(verdict([acquire("b", 10, 11), late, owner("a", 500, 501)])).toBe(false);
    expect(verdict([acquire("b", 10, 11), late, owner("a", 1000, 1001)])).toBe(true);
  });
  it("fail ops never happened; res-* and nemesis ops are ignored", () => {
    const failed = { ...acquire("a", 0, 1), type: "fail" as const };
    expect(verdict([failed, owner(null, 2, 3)])).toBe(true);
    expect(verdict([failed, owner("a", 2, 3)])).toBe(false);
    const res: OpSpec = { p: 99, f: "res-read", in: { resource: "counter", owner: "a" }, start: 2, end: 3 };
    expect(verdict([acquire("a", 0, 1), res, owner("a", 4, 5)])).toBe(true);
  });
  it("defaultTtlMs serves ops without ttlMs; Infinity makes the lock owner-mutex", () => {
    const bare = (p: number, f: string, start: number, end: number): OpSpec => ({ p, f, start, end });
    const ops = [bare(0, "acquire", 0, 1), bare(1, "acquire", 2500, 2600)];
    expect(verdict(ops, { defaultTtlMs: 2000 })).toBe(true);
    expect(verdict(ops, { defaultTtlMs: 3000 })).toBe(false);
    expect(verdict(ops, { defaultTtlMs: Infinity })).toBe(false);
    expect(() => verdict(ops)).toThrow(/ttlMs/);
  });
  it("names the offending op by its history index (opIndex), for file:line reports", () => {
    const ops = [acquire("a", 0, 1), { p: 7, f: "acquire", start: 2, end: 3 }];
    const history = buildHistory(ops, MS);
    const err = (() => {
      try {
        check(history, leaseLockModel({}), { engine: "ts" });
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ModelInputError);
    expect((err as ModelInputError).opIndex).toBe(history.findIndex((op) => op.process === 7));
  });
  it("rejects a malformed token or option", () => {
    expect(() => verdict([acquire("a", 0, 1, { token: "x1" })])).toThrow(/token/);
    expect(() => leaseLockModel({ epsilon: 1 })).toThrow(/epsilon/);
  });
});

describe("lease-lock: canonical states for the memo", () => {
  const remaining = (earliestInvoke: number, observed: string[] = []) => ({
    earliestInvoke,
    observed: (who: string) => observed.includes(who),
  });
  const held = { holder: "a", expLo: 100, lastToken: 7n, now: 150 };

  it("an expired holder whom no remaining op observes is no holder", () => {
    const m = leaseLockModel();
    expect(m.canonical!(held, remaining(10))).toMatchObject({
      holder: null,
      expLo: Number.NEGATIVE_INFINITY,
    });
    expect(m.canonical!(held, remaining(10, ["a"]))).toMatchObject({ holder: "a", expLo: 100 });
    expect(m.canonical!({ ...held, now: 50 }, remaining(10))).toMatchObject({ holder: "a", expLo: 100 });
  });

  it("a now no later than every remaining invocation is forgotten", () => {
    const m = leaseLockModel();
    expect(m.canonical!(held, remaining(150, ["a"])).now).toBe(Number.NEGATIVE_INFINITY);
    expect(m.canonical!(held, remaining(149, ["a"])).now).toBe(150);
  });

  it("the last token is kept only with fencing", () => {
    expect(leaseLockModel().canonical!(held, remaining(0, ["a"])).lastToken).toBeNull();
    expect(leaseLockModel({ fencing: true }).canonical!(held, remaining(0, ["a"])).lastToken).toBe(7n);
  });

  it("an unknown op that only moved now later changed nothing", () => {
    const m = leaseLockModel();
    expect(m.unchanged!(held, { ...held, now: 900 })).toBe(true);
    expect(m.unchanged!(held, { ...held, expLo: 200 })).toBe(false);
  });
});
