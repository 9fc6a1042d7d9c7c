// The `exclusion` effect check (DESIGN.md section 5): two owners' resource accesses interleave while both
// hold the lock by their own account, i.e. overlapping critical sections, proven by the accesses.
// Pure: works on any history; never imports a backend or the nemesis.

import type { History } from "../../histories/op.js";
import { isResourceAccess, ms, type PairedOp, pairOperations } from "./operations.js";
import { buildTenures, type Tenure } from "./tenures.js";
import type { EffectCheckResult, EffectViolation } from "./types.js";

/** The ok accesses of a tenure: only they certainly happened. */
function okAccesses(t: Tenure): PairedOp[] {
  return t.accesses.filter((a) => a.type === "ok");
}

/** Where a tenure ends for overlap purposes: its end by the owner's account, or its last ok access's return. */
function reach(t: Tenure): number {
  let r = t.end;
  for (const a of okAccesses(t)) r = Math.max(r, a.completeTime);
  return r;
}

function describe(t: Tenure): string {
  const until = t.release
    ? `its release invoked at index ${t.release.id}`
    : t.reacquire
      ? `its next acquire returned at index ${t.reacquire.completionIndex}`
      : "its last access (never released)";
  return `${t.owner} (acquired at index ${t.acquire.completionIndex}, holding until ${until})`;
}

function at(op: PairedOp): string {
  return `${op.f} index ${op.id} [${ms(op.invokeTime)}..${ms(op.completeTime)} ms]`;
}

/** The first proof that tenures a and b (different owners) overlap with accesses, or undefined. */
export function findOverlapProof(a: Tenure, b: Tenure): Omit<EffectViolation, "key"> | undefined {
  const as = okAccesses(a);
  const bs = okAccesses(b);
  if (as.length === 0 || bs.length === 0) return undefined;

  // 1. Two accesses whose real-time intervals overlap.
  for (const x of as) {
    for (const y of bs) {
      if (x.invokeTime < y.completeTime && y.invokeTime < x.completeTime) {
        const [p, q] = x.invokeTime <= y.invokeTime ? [x, y] : [y, x];
        return {
          kind: "concurrent-accesses",
          explanation: `${describe(a)} and ${describe(b)} accessed the resource at the same time: ${at(p)} overlaps ${at(q)}`,
          ops: [p.id, q.id],
        };
      }
    }
  }

  // 2. One owner's access strictly between two accesses of the other's same tenure (A, B, A).
  for (const [outer, inner, outerAcc, innerAcc] of [
    [a, b, as, bs],
    [b, a, bs, as],
  ] as const) {
    for (const y of innerAcc) {
      let before: PairedOp | undefined;
      let after: PairedOp | undefined;
      for (const x of outerAcc) {
        if (x.completeTime < y.invokeTime && (!before || x.completeTime > before.completeTime)) before = x;
        if (x.invokeTime > y.completeTime && (!after || x.invokeTime < after.invokeTime)) after = x;
      }
      if (before && after) {
        return {
          kind: "interleaved-accesses",
          explanation: `${describe(inner)} accessed the resource (${at(y)}) between two accesses of ${describe(outer)}: ${at(before)} and ${at(after)}`,
          ops: [before.id, y.id, after.id],
        };
      }
    }
  }

  // 3. Each made an access certainly inside the other's tenure (both held the lock by their own account).
  const inside = (x: PairedOp, t: Tenure) => x.invokeTime >= t.start && x.completeTime <= reach(t);
  const x = as.find((op) => inside(op, b));
  const y = bs.find((op) => inside(op, a));
  if (x && y) {
    const [p, q] = x.invokeTime <= y.invokeTime ? [x, y] : [y, x];
    return {
      kind: "overlapping-sections",
      explanation: `${describe(a)} and ${describe(b)} both accessed the resource while the other held the lock by its own account: ${at(p)} and ${at(q)}`,
      ops: [p.id, q.id],
    };
  }
  return undefined;
}

/** Check that no two owners' critical sections overlap with accesses (one violation per pair of tenures). */
export function checkExclusion(history: History): EffectCheckResult {
  const ops = pairOperations(history);
  const accesses = ops.filter((op) => isResourceAccess(op));
  const byKey = buildTenures(ops);
  let tenureCount = 0;
  let overlappingPairs = 0;
  const violations: EffectViolation[] = [];
  for (const { key, tenures } of byKey.values()) {
    tenureCount += tenures.length;
    // tenures are sorted by start; a pair can only conflict when their spans overlap.
    for (let i = 0; i < tenures.length; i++) {
      const a = tenures[i];
      const reachA = reach(a);
      for (let j = i + 1; j < tenures.length; j++) {
        const b = tenures[j];
        if (b.start >= reachA) break;
        if (a.owner === b.owner) continue;
        overlappingPairs++;
        const proof = findOverlapProof(a, b);
        if (proof) violations.push({ ...proof, key });
      }
    }
  }
  const hasData = tenureCount > 0 && accesses.length > 0;
  violations.sort((p, q) => p.ops[0] - q.ops[0]);
  return {
    check: "exclusion",
    valid: violations.length === 0,
    noData: !hasData,
    ...(hasData ? {} : { reason: "no resource accesses under acquired locks" }),
    counts: {
      tenures: tenureCount,
      accesses: accesses.length,
      overlappingTenures: overlappingPairs,
      violations: violations.length,
    },
    violations,
  };
}
