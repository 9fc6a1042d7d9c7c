// The `fencing` effect check (DESIGN.md section 5): on a fenced resource, accepted tokens (those of ok
// writes) never go back in arrival order, per key and resource; and how often fencing saved the data
// (writes rejected with "stale-token"). Pure: never imports a backend or the nemesis.

import type { History } from "../../histories/op.js";
import { bare, isFinalRead, ms, type PairedOp, pairOperations, resourceOf, tokenOf } from "./operations.js";
import type { EffectCheckResult, EffectViolation } from "./types.js";

function isStaleRejection(op: PairedOp): boolean {
  return op.type === "fail" && op.error !== undefined && bare(op.error) === "stale-token";
}

/**
 * Writes whose arrival order is certain: w1 completed before w2 was invoked. A violation is an ok write whose
 * token is lower than that of an ok write that had completed before it was invoked.
 */
export function checkFencing(history: History): EffectCheckResult {
  const ops = pairOperations(history).filter((op) => op.f.startsWith("res-") && !isFinalRead(op));
  const fenced = ops.filter((op) => tokenOf(op) !== undefined);
  const staleRejected = ops.filter(isStaleRejection);
  const groups = new Map<string, PairedOp[]>();
  for (const op of fenced) {
    if (op.f !== "res-write" || op.type !== "ok") continue;
    const id = JSON.stringify([op.key, resourceOf(op)]);
    const list = groups.get(id);
    if (list) list.push(op);
    else groups.set(id, [op]);
  }

  const violations: EffectViolation[] = [];
  let accepted = 0;
  for (const writes of groups.values()) {
    accepted += writes.length;
    // Sweep by invocation; keep the highest token among writes completed before the current invocation.
    const byInvoke = [...writes].sort((a, b) => a.invokeTime - b.invokeTime || a.id - b.id);
    const byComplete = [...writes].sort((a, b) => a.completeTime - b.completeTime || a.id - b.id);
    let j = 0;
    let highest: PairedOp | undefined;
    for (const w of byInvoke) {
      while (j < byComplete.length && byComplete[j].completeTime < w.invokeTime) {
        const c = byComplete[j++];
        if (!highest || (tokenOf(c) as bigint) > (tokenOf(highest) as bigint)) highest = c;
      }
      const t = tokenOf(w) as bigint;
      if (highest && t < (tokenOf(highest) as bigint)) {
        violations.push({
          kind: "token-went-back",
          key: w.key,
          explanation: `the resource accepted token ${t} (write index ${w.id}, invoked at ${ms(w.invokeTime)} ms) after it had accepted token ${tokenOf(highest)} (write index ${highest.id}, ok at ${ms(highest.completeTime)} ms)`,
          ops: [highest.id, w.id],
        });
      }
    }
  }

  const hasData = fenced.length > 0 || staleRejected.length > 0;
  violations.sort((a, b) => a.ops[1] - b.ops[1]);
  const result: EffectCheckResult = {
    check: "fencing",
    valid: violations.length === 0,
    noData: !hasData,
    counts: {
      fencedAccesses: fenced.length,
      acceptedWrites: accepted,
      staleRejected: staleRejected.length,
      staleRejectedWrites: staleRejected.filter((op) => op.f === "res-write").length,
      violations: violations.length,
    },
    violations,
  };
  if (!hasData) result.reason = "no fenced resource accesses";
  return result;
}
