// The `lease-usage` effect check (DESIGN.md section 5): a client acted (a resource access) or its acquire
// returned after the earliest end of its own lease, by the runner's clock. The lease's earliest end is
// leaseStart + ttl·(1−ε), extended by each ok renew to renewInvoke + ttl·(1−ε). This is the paused-holder
// hazard and etcd's lock granted on an expired lease (etcd issue 11456). Pure: never imports a backend.

import type { History } from "../../histories/op.js";
import { ms, opField, type PairedOp, pairOperations } from "./operations.js";
import { buildTenures, type Tenure, ttlOf } from "./tenures.js";
import {
  DEFAULT_EPSILON,
  type EffectCheckOptions,
  type EffectCheckResult,
  type EffectViolation,
} from "./types.js";

const NS_PER_MS = 1e6;

/** When the server may have started the acquire's lease: its invocation, or an earlier reported grant. */
export function leaseStartOf(acquire: PairedOp): number {
  const granted = opField(acquire, "leaseGrantedAt");
  if (typeof granted === "number" && Number.isFinite(granted) && granted < acquire.invokeTime) return granted;
  return acquire.invokeTime;
}

/** The earliest end (ns) of a tenure's lease as known at time t: the acquire's, extended by renews done by t. */
export function leaseEndAt(
  t: Tenure,
  at: number,
  epsilon: number,
  fallbackTtlMs?: number,
): number | undefined {
  const ttl = ttlOf(t.acquire, fallbackTtlMs);
  if (ttl === undefined) return undefined;
  let end = leaseStartOf(t.acquire) + ttl * NS_PER_MS * (1 - epsilon);
  for (const r of t.renews) {
    if (r.completeTime > at) continue;
    const rttl = ttlOf(r, ttl) as number;
    end = Math.max(end, r.invokeTime + rttl * NS_PER_MS * (1 - epsilon));
  }
  return end;
}

export function checkLeaseUsage(history: History, options: EffectCheckOptions = {}): EffectCheckResult {
  const epsilon = options.epsilon ?? DEFAULT_EPSILON;
  const ops = pairOperations(history);
  const byKey = buildTenures(ops);
  const violations: EffectViolation[] = [];
  let tenures = 0;
  let uncheckable = 0;
  let acquiresChecked = 0;
  let accessesChecked = 0;
  let worstNs = 0;

  const overrun = (kind: string, key: string, late: number, explanation: string, proof: number[]) => {
    worstNs = Math.max(worstNs, late);
    violations.push({ kind, key, explanation, ops: proof });
  };

  for (const { key, tenures: list, orphans } of byKey.values()) {
    for (const t of list) {
      tenures++;
      const ttl = ttlOf(t.acquire, options.defaultTtlMs);
      if (ttl === undefined) {
        uncheckable++;
        continue;
      }
      const start = leaseStartOf(t.acquire);
      const acquireEnd = start + ttl * NS_PER_MS * (1 - epsilon);
      acquiresChecked++;
      if (t.acquire.completeTime > acquireEnd) {
        const late = t.acquire.completeTime - acquireEnd;
        overrun(
          "acquire-returned-after-lease-end",
          key,
          late,
          `${t.owner}'s acquire (invoked index ${t.acquire.id} at ${ms(t.acquire.invokeTime)} ms, ttl ${ttl} ms) returned ok (index ${t.acquire.completionIndex}) at ${ms(t.acquire.completeTime)} ms, ${ms(late)} ms after its lease's earliest end ${ms(acquireEnd)} ms`,
          [t.acquire.id, t.acquire.completionIndex as number],
        );
      }
      for (const a of t.accesses) {
        accessesChecked++;
        const end = leaseEndAt(t, a.invokeTime, epsilon, options.defaultTtlMs) as number;
        if (a.invokeTime <= end) continue;
        const late = a.invokeTime - end;
        const lastRenew = [...t.renews].reverse().find((r) => r.completeTime <= a.invokeTime);
        overrun(
          "access-after-lease-end",
          key,
          late,
          `${t.owner} invoked ${a.f} (index ${a.id}) at ${ms(a.invokeTime)} ms, ${ms(late)} ms after its lease's earliest end ${ms(end)} ms (acquire index ${t.acquire.id}${lastRenew ? `, last renew index ${lastRenew.id}` : ""}, ttl ${ttl} ms)`,
          lastRenew ? [t.acquire.id, lastRenew.id, a.id] : [t.acquire.id, a.id],
        );
      }
    }
    for (const o of orphans) {
      accessesChecked++;
      const a = o.access;
      if (o.after?.release) {
        violations.push({
          kind: "access-after-release",
          key,
          explanation: `${o.owner} invoked ${a.f} (index ${a.id}) at ${ms(a.invokeTime)} ms after it had invoked release (index ${o.after.release.id}) and before any new acquire`,
          ops: [o.after.release.id, a.id],
        });
      } else {
        violations.push({
          kind: "access-without-lease",
          key,
          explanation: `${o.owner} invoked ${a.f} (index ${a.id}) at ${ms(a.invokeTime)} ms without an acquire that had returned ok`,
          ops: [a.id],
        });
      }
    }
  }

  const hasData = tenures > 0 && acquiresChecked > 0;
  violations.sort((a, b) => a.ops[a.ops.length - 1] - b.ops[b.ops.length - 1]);
  const result: EffectCheckResult = {
    check: "lease-usage",
    valid: !hasData || violations.length === 0,
    noData: !hasData,
    counts: {
      tenures,
      acquiresChecked,
      accessesChecked,
      withoutTtl: uncheckable,
      violations: violations.length,
      worstOverrunMs: ms(worstNs),
    },
    violations: hasData ? violations : [],
  };
  if (!hasData)
    result.reason = tenures === 0 ? "no ok acquires" : "no TTL on the acquires (pass defaultTtlMs / --ttl)";
  return result;
}
