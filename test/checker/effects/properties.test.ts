// Property tests: generated well-behaved histories give no violation in any check; each planted fault is
// found by its check with the ops that prove it.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { checkExclusion } from "../../../checker/effects/exclusion.js";
import { checkFencing } from "../../../checker/effects/fencing.js";
import { checkLeaseUsage } from "../../../checker/effects/lease-usage.js";
import { checkLostUpdates } from "../../../checker/effects/lost-updates.js";
import { type Plan, planArb, render } from "./well-behaved.js";

const RUNS = { numRuns: 150 };

/** A plan and the index of one of its sections. */
const planAndSection = planArb.chain((plan) =>
  fc.tuple(fc.constant(plan), fc.integer({ min: 0, max: plan.sections.length - 1 })),
);

describe("well-behaved histories", () => {
  it("give no violation and every check has data", () => {
    fc.assert(
      fc.property(planArb, (plan) => {
        const { history, sections } = render(plan);
        const results = [
          checkExclusion(history),
          checkLostUpdates(history),
          checkFencing(history),
          checkLeaseUsage(history),
        ];
        for (const r of results) {
          expect(r.violations, r.check).toEqual([]);
          expect(r.valid, r.check).toBe(true);
          expect(r.noData, r.check).toBe(false);
        }
        expect(results[1].counts.acknowledged).toBe(sections.length);
        expect(results[2].counts.staleRejected).toBe(0);
      }),
      RUNS,
    );
  });
});

describe("planted faults are found with their proof", () => {
  it("an overlapping section on a plain resource: exclusion (A, B, A), the lost add, the token going back", () => {
    fc.assert(
      fc.property(planAndSection, ([p, at]) => {
        const plan: Plan = { ...p, fenced: false };
        const { history, sections, intruder, finals } = render(plan, { kind: "overlap", at });
        const a = sections[at];
        if (!intruder) throw new Error("no intruder rendered");
        const ex = checkExclusion(history);
        expect(ex.valid).toBe(false);
        expect(ex.violations.map((v) => [v.kind, v.ops])).toEqual([
          ["interleaved-accesses", [a.read.id, intruder.read.id, a.write.id]],
        ]);
        const lu = checkLostUpdates(history);
        expect(lu.counts.lost).toBe(1);
        expect(lu.violations.map((v) => v.ops)).toEqual([[intruder.write.id, finals.get(a.key)?.id]]);
        const fe = checkFencing(history);
        expect(fe.violations.map((v) => v.ops)).toEqual([[intruder.write.id, a.write.id]]);
        expect(checkLeaseUsage(history).valid).toBe(true);
      }),
      RUNS,
    );
  });

  it("the same overlap on a fenced resource: the stale write is rejected, nothing is lost", () => {
    fc.assert(
      fc.property(planAndSection, ([p, at]) => {
        const { history } = render({ ...p, fenced: true }, { kind: "overlap", at });
        expect(checkExclusion(history).valid).toBe(true);
        expect(checkLostUpdates(history).valid).toBe(true);
        const fe = checkFencing(history);
        expect(fe.valid).toBe(true);
        expect(fe.counts.staleRejected).toBe(1);
      }),
      RUNS,
    );
  });

  it("a lost add: lost-updates names the write and the final read", () => {
    fc.assert(
      fc.property(planAndSection, ([plan, at]) => {
        const { history, sections, finals } = render(plan, { kind: "lost-add", at });
        const s = sections[at];
        const lu = checkLostUpdates(history);
        expect(lu.valid).toBe(false);
        expect(lu.violations.map((v) => [v.kind, v.ops])).toEqual([
          ["lost-addition", [s.write.id, finals.get(s.key)?.id]],
        ]);
        expect(lu.counts.lost).toBe(1);
        expect(checkExclusion(history).valid).toBe(true);
        expect(checkFencing(history).valid).toBe(true);
        expect(checkLeaseUsage(history).valid).toBe(true);
      }),
      RUNS,
    );
  });

  it("a stale token accepted: fencing names the earlier higher write and the stale one", () => {
    fc.assert(
      fc.property(planAndSection, ([p, at]) => {
        const plan: Plan = { ...p, fenced: false };
        const key = plan.sections[at].key;
        let previous = -1;
        for (let i = 0; i < at; i++) if (plan.sections[i].key === key) previous = i;
        fc.pre(previous >= 0);
        const { history, sections } = render(plan, { kind: "stale-token", at });
        const fe = checkFencing(history);
        expect(fe.valid).toBe(false);
        expect(fe.violations.map((v) => [v.kind, v.ops])).toEqual([
          ["token-went-back", [sections[previous].write.id, sections[at].write.id]],
        ]);
        expect(checkExclusion(history).valid).toBe(true);
        expect(checkLostUpdates(history).valid).toBe(true);
      }),
      RUNS,
    );
  });

  it("a write after the lease end: lease-usage names the acquire (and renew) and the write, with the overrun", () => {
    fc.assert(
      fc.property(planAndSection, fc.integer({ min: 1, max: 3000 }), ([plan, at], pauseMs) => {
        const { history, sections } = render(plan, { kind: "late-write", at, pauseMs });
        const s = sections[at];
        const r = checkLeaseUsage(history);
        expect(r.valid).toBe(false);
        const expectedOps = s.renew ? [s.acquire.id, s.renew.id, s.write.id] : [s.acquire.id, s.write.id];
        expect(r.violations.map((v) => [v.kind, v.ops])).toEqual([["access-after-lease-end", expectedOps]]);
        const leaseEnd = (s.renewAt ?? s.acquireAt) + plan.ttlMs * 0.99;
        expect(r.counts.worstOverrunMs).toBeCloseTo(s.writeAt - leaseEnd, 3);
        expect(checkExclusion(history).valid).toBe(true);
        expect(checkLostUpdates(history).valid).toBe(true);
      }),
      RUNS,
    );
  });
});
