// Tests of runLockChecks (the lease-lock linearizability check plus the effect checks, composed) and of the
// summary table the CLI prints.

import { describe, expect, it } from "vitest";
import { LOCK_CHECK_NAMES, renderLockChecksTable, runLockChecks } from "../../checker/lock-checks.js";
import { getModel } from "../../models/index.js";
import { HistoryBuilder } from "./effects/history-builder.js";
import { type Plan, render } from "./effects/well-behaved.js";

type Steps = [number, number, number, number, number, number];

const PLAN: Plan = {
  ttlMs: 1000,
  fenced: false,
  sections: [
    { client: 0, key: "a", steps: [2, 0, 2, 2, 2, 5] as Steps, contender: true },
    { client: 1, key: "a", steps: [2, 3, 2, 2, 2, 5] as Steps, contender: false },
    { client: 2, key: "b", steps: [2, 0, 2, 2, 2, 5] as Steps, contender: true },
  ],
};

describe("runLockChecks", () => {
  it("a well-behaved lock history: every check runs and is valid", () => {
    const r = runLockChecks(render(PLAN).history, { engine: "ts" });
    for (const name of LOCK_CHECK_NAMES) expect(r.checks[name].valid, name).toBe(true);
    expect(r.valid).toBe(true);
    expect(r.checks.linearizable.counts.partitions).toBe(2);
    expect(r.checks.linearizable.result?.valid).toBe(true);
  });

  it("an overlapping section: exclusion, lost-updates and fencing are false, and so is the whole", () => {
    const { history, sections, intruder } = render(PLAN, { kind: "overlap", at: 0 });
    const r = runLockChecks(history, { engine: "ts" });
    expect(r.valid).toBe(false);
    expect(r.checks.exclusion.valid).toBe(false);
    expect(r.checks.exclusion.violations[0].ops).toEqual([
      sections[0].read.id,
      intruder?.read.id,
      sections[0].write.id,
    ]);
    expect(r.checks["lost-updates"].valid).toBe(false);
    expect(r.checks.fencing.valid).toBe(false);
    // B acquired while A's lease was still running: not linearizable for the lease lock either
    expect(r.checks.linearizable.valid).toBe(false);
    expect(r.checks["lease-usage"].valid).toBe(true);
  });

  it("a holder paused past its lease on a correct lock, plain resource: the lock is linearizable, the data is not safe", () => {
    const { history, sections, intruder } = render(PLAN, { kind: "overlap", at: 0, pauseMs: 200 });
    const a = sections[0];
    const r = runLockChecks(history, { engine: "ts" });
    expect(r.checks.linearizable.valid).toBe(true);
    expect(r.checks.exclusion.violations.map((v) => v.ops)).toEqual([
      [a.read.id, intruder?.read.id, a.write.id],
    ]);
    expect(r.checks["lost-updates"].violations.map((v) => v.ops[0])).toEqual([intruder?.write.id]);
    expect(r.checks["lease-usage"].violations.map((v) => [v.kind, v.ops])).toEqual([
      ["access-after-lease-end", [a.acquire.id, a.write.id]],
    ]);
    // A's write is invoked 1000 + 200 ms after its read plus a few ms of steps; its lease ended at 990 ms
    expect(r.checks["lease-usage"].counts.worstOverrunMs).toBeCloseTo(a.writeAt - (a.acquireAt + 990), 3);
    expect(r.valid).toBe(false);
  });

  it("the same pause with a fenced resource: the stale write is rejected, no exclusion or lost update", () => {
    const { history, sections } = render({ ...PLAN, fenced: true }, { kind: "overlap", at: 0, pauseMs: 200 });
    const r = runLockChecks(history, { engine: "ts" });
    expect(r.checks.linearizable.valid).toBe(true);
    expect(r.checks.exclusion.valid).toBe(true);
    expect(r.checks["lost-updates"].valid).toBe(true);
    expect(r.checks.fencing.valid).toBe(true);
    expect(r.checks.fencing.counts.staleRejectedWrites).toBe(1);
    // the client still acted after its lease ended: fencing saved the data, not the client
    expect(r.checks["lease-usage"].violations.map((v) => v.ops)).toEqual([
      [sections[0].acquire.id, sections[0].write.id],
    ]);
    expect(r.valid).toBe(false);
  });

  it("unknown beats true: no final read makes lost-updates unknown, and the whole unknown", () => {
    const { history } = render(PLAN);
    const withoutFinals = history
      .filter((op) => (op.value as { final?: boolean } | undefined)?.final !== true)
      .map((op, index) => ({ ...op, index }));
    const r = runLockChecks(withoutFinals, { engine: "ts" });
    expect(r.checks["lost-updates"].valid).toBe("unknown");
    expect(r.checks["lost-updates"].reason).toContain("no final read");
    expect(r.valid).toBe("unknown");
  });

  it("false beats unknown", () => {
    const { history } = render(PLAN, { kind: "late-write", at: 1, pauseMs: 50 });
    const withoutFinals = history
      .filter((op) => (op.value as { final?: boolean } | undefined)?.final !== true)
      .map((op, index) => ({ ...op, index }));
    const r = runLockChecks(withoutFinals, { engine: "ts" });
    expect(r.checks["lost-updates"].valid).toBe("unknown");
    expect(r.checks["lease-usage"].valid).toBe(false);
    expect(r.valid).toBe(false);
  });

  it("checks without data are skipped and take no part in the verdict", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1], 1000);
    h.release(1, "A", [2, 3]);
    const r = runLockChecks(h.build(), { engine: "ts" });
    expect(r.checks.exclusion.valid).toBe("skipped");
    expect(r.checks["lost-updates"].valid).toBe("skipped");
    expect(r.checks.fencing.valid).toBe("skipped");
    expect(r.checks.linearizable.valid).toBe(true);
    expect(r.checks["lease-usage"].valid).toBe(true);
    expect(r.valid).toBe(true);
  });

  it("takes a ready model as `locksmith check` passes it, and the lease options beside it", () => {
    const h = new HistoryBuilder();
    h.call({ process: 0, f: "acquire", at: [0, 3000] });
    const history = h.build();
    const model = getModel("lease-lock", { defaultTtlMs: 2000 });
    const r = runLockChecks(history, model, { engine: "ts", defaultTtlMs: 2000 });
    expect(r.checks["lease-usage"].valid).toBe(false);
    expect(r.checks["lease-usage"].violations[0].ops).toEqual([0, 1]);
    // without the TTL, lease-usage has nothing to measure against
    expect(runLockChecks(history, model, { engine: "ts" }).checks["lease-usage"].valid).toBe("skipped");
  });
});

describe("renderLockChecksTable", () => {
  it("one row per check with verdict, counts and first proof, the verdict, then each failing check's proof", () => {
    const { history, sections, intruder } = render(PLAN, { kind: "overlap", at: 0 });
    const r = runLockChecks(history, { engine: "ts" });
    const text = renderLockChecksTable(r);
    const lines = text.split("\n");
    expect(lines[0]).toMatch(/^check\s+verdict\s+counts\s+first proof$/);
    for (const name of LOCK_CHECK_NAMES) expect(lines.some((l) => l.startsWith(`${name} `))).toBe(true);
    const exclusionRow = lines.find((l) => l.startsWith("exclusion "));
    expect(exclusionRow).toContain("INVALID");
    expect(exclusionRow).toContain(
      `interleaved-accesses ops ${sections[0].read.id},${intruder?.read.id},${sections[0].write.id}`,
    );
    expect(lines.find((l) => l.startsWith("lease-usage "))).toMatch(/\svalid\s/);
    expect(text).toContain("verdict: INVALID");
    expect(text).toMatch(/^exclusion \(key a\): /m);
  });

  it("skipped checks show why", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1], 1000);
    const text = renderLockChecksTable(runLockChecks(h.build(), { engine: "ts" }));
    expect(text).toMatch(/^fencing\s+skipped\s+\(no fenced resource accesses\)/m);
    expect(text).toContain("verdict: valid");
  });
});
