// The `lost-updates` effect check (DESIGN.md section 5, Jepsen's lock-set): acknowledged writes of the
// protected resource that the final read (or, for a register, any read) never shows. Set: additions missing
// from the final read; counter: a final value below the acknowledged increments; register: a written value
// no read ever returned. Pure: never imports a backend or the nemesis.

import type { History } from "../../histories/op.js";
import {
  fieldOf,
  isFinalRead,
  ms,
  opField,
  type PairedOp,
  pairOperations,
  resourceOf,
} from "./operations.js";
import type { EffectCheckResult, EffectViolation } from "./types.js";

interface Group {
  key: string;
  resource: string;
  writes: PairedOp[];
  reads: PairedOp[];
  finals: PairedOp[];
}

function numberOrUndefined(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined;
}

/** The last ok final read of a group (the runner issues one per key and resource). */
function finalRead(g: Group): PairedOp | undefined {
  const oks = g.finals.filter((op) => op.type === "ok");
  return oks.length > 0 ? oks[oks.length - 1] : undefined;
}

interface GroupOutcome {
  acknowledged: number;
  lost: number;
  violations: EffectViolation[];
}

function checkSet(g: Group, fin: PairedOp): GroupOutcome {
  const result = fieldOf(fin.output, "result");
  const present = new Set<string>(Array.isArray(result) ? result.map((x) => JSON.stringify(x)) : []);
  const violations: EffectViolation[] = [];
  let acknowledged = 0;
  const okAdded = new Set<string>();
  const maybeAdded = new Set<string>();
  for (const w of g.writes) {
    const added = opField(w, "added");
    if (added === undefined) continue;
    const k = JSON.stringify(added);
    if (w.type !== "fail") maybeAdded.add(k);
    if (w.type !== "ok") continue;
    acknowledged++;
    okAdded.add(k);
    if (!present.has(k)) {
      violations.push({
        kind: "lost-addition",
        key: g.key,
        explanation: `${JSON.stringify(added)} was added by an acknowledged write (index ${w.id}, ok at ${ms(w.completeTime)} ms) but the final read (index ${fin.id}) does not contain it`,
        ops: [w.id, fin.id],
      });
    }
  }
  for (const k of present) {
    if (maybeAdded.has(k)) continue;
    const failed = g.writes.find((w) => w.type === "fail" && JSON.stringify(opField(w, "added")) === k);
    violations.push({
      kind: "phantom-element",
      key: g.key,
      explanation: failed
        ? `the final read (index ${fin.id}) contains ${k}, added only by a write that failed (index ${failed.id})`
        : `the final read (index ${fin.id}) contains ${k}, which no write added`,
      ops: failed ? [failed.id, fin.id] : [fin.id],
    });
  }
  return { acknowledged, lost: violations.filter((v) => v.kind === "lost-addition").length, violations };
}

function checkCounter(g: Group, fin: PairedOp): GroupOutcome {
  const finalValue = numberOrUndefined(fieldOf(fin.output, "result")) ?? 0;
  const okWrites = g.writes.filter((w) => w.type === "ok");
  const acknowledged = okWrites.length;
  const lost = Math.max(0, acknowledged - finalValue);
  const violations: EffectViolation[] = [];
  if (lost > 0) {
    // Two acknowledged writes of the same value both claimed the same increment: one of them was lost.
    const seen = new Map<number, PairedOp>();
    let pair: [PairedOp, PairedOp] | undefined;
    for (const w of okWrites) {
      const v = numberOrUndefined(opField(w, "write"));
      if (v === undefined) continue;
      const first = seen.get(v);
      if (first) {
        pair = [first, w];
        break;
      }
      seen.set(v, w);
    }
    violations.push({
      kind: "lost-increments",
      key: g.key,
      explanation:
        `the final read (index ${fin.id}) shows ${finalValue} but ${acknowledged} increments were acknowledged: ${lost} lost` +
        (pair
          ? `; writes at indexes ${pair[0].id} and ${pair[1].id} both wrote ${opField(pair[0], "write")}`
          : ""),
      ops: pair ? [pair[0].id, pair[1].id, fin.id] : [fin.id],
    });
  }
  return { acknowledged, lost, violations };
}

function checkRegister(g: Group, fin: PairedOp): GroupOutcome {
  const observed = new Set<string>();
  for (const r of [...g.reads, fin]) {
    if (r.type === "ok") observed.add(JSON.stringify(fieldOf(r.output, "result") ?? null));
  }
  const violations: EffectViolation[] = [];
  let acknowledged = 0;
  for (const w of g.writes) {
    if (w.type !== "ok") continue;
    acknowledged++;
    const v = JSON.stringify(opField(w, "write") ?? null);
    if (!observed.has(v)) {
      violations.push({
        kind: "lost-write",
        key: g.key,
        explanation: `the acknowledged write of ${v} (index ${w.id}) was never returned by any read, the final read (index ${fin.id}) included: it was overwritten unseen`,
        ops: [w.id, fin.id],
      });
    }
  }
  return { acknowledged, lost: violations.length, violations };
}

/** Check for lost updates; `unknown` for any key and resource with writes but no ok final read. */
export function checkLostUpdates(history: History): EffectCheckResult {
  const ops = pairOperations(history);
  const operations = ops.filter((op) => !isFinalRead(op)).length;
  const groups = new Map<string, Group>();
  for (const op of ops) {
    if (op.f !== "res-read" && op.f !== "res-write") continue;
    const resource = resourceOf(op);
    const id = JSON.stringify([op.key, resource]);
    let g = groups.get(id);
    if (!g) {
      g = { key: op.key, resource, writes: [], reads: [], finals: [] };
      groups.set(id, g);
    }
    if (isFinalRead(op)) g.finals.push(op);
    else if (op.f === "res-write") g.writes.push(op);
    else g.reads.push(op);
  }

  let acknowledged = 0;
  let lost = 0;
  let checkedGroups = 0;
  const withoutFinal: string[] = [];
  const violations: EffectViolation[] = [];
  for (const g of groups.values()) {
    if (g.writes.length === 0) continue;
    const fin = finalRead(g);
    if (!fin) {
      withoutFinal.push(`${g.key}/${g.resource || "?"}`);
      continue;
    }
    let outcome: GroupOutcome;
    if (g.resource === "set") outcome = checkSet(g, fin);
    else if (g.resource === "counter") outcome = checkCounter(g, fin);
    else outcome = checkRegister(g, fin);
    checkedGroups++;
    acknowledged += outcome.acknowledged;
    lost += outcome.lost;
    violations.push(...outcome.violations);
  }

  const hasData = checkedGroups > 0 || withoutFinal.length > 0;
  const valid = violations.length > 0 ? false : withoutFinal.length > 0 ? "unknown" : true;
  const result: EffectCheckResult = {
    check: "lost-updates",
    valid,
    noData: !hasData,
    counts: {
      acknowledged,
      lost,
      operations,
      lostPer10kOps: operations > 0 ? Math.round((lost / operations) * 1e6) / 100 : 0,
      resourcesChecked: checkedGroups,
      resourcesWithoutFinalRead: withoutFinal.length,
    },
    violations,
  };
  if (!hasData) result.reason = "no resource writes";
  else if (withoutFinal.length > 0) result.reason = `no final read for ${withoutFinal.join(", ")}`;
  return result;
}
