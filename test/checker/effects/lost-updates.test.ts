// Unit tests of the lost-updates check: set, counter and register, each passing and failing; unknown
// without a final read; the rate per 10,000 ops.

import { describe, expect, it } from "vitest";
import { checkLostUpdates } from "../../../checker/effects/lost-updates.js";
import { HistoryBuilder } from "./history-builder.js";

describe("lost-updates: set", () => {
  it("every acknowledged addition in the final read: valid", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], [1], { added: 1 });
    h.write(2, "B", [2, 3], [1, 2], { added: 2 });
    h.write(3, "C", [4, 5], [1, 2, 3], { added: 3, type: "info" });
    h.finalRead([10, 11], [1, 2]);
    const r = checkLostUpdates(h.build());
    expect(r.valid).toBe(true);
    expect(r.counts.acknowledged).toBe(2);
    expect(r.counts.lost).toBe(0);
  });

  it("an acknowledged addition missing from the final read: lost, with the write and the final read", () => {
    const h = new HistoryBuilder();
    h.read(1, "A", [0, 1], []);
    h.read(2, "B", [0, 1], []);
    const a1 = h.write(1, "A", [2, 3], [1], { added: 1 });
    h.write(2, "B", [4, 5], [2], { added: 2 });
    const a2 = h.write(1, "A", [6, 7], [1], { added: 1 });
    const fin = h.finalRead([10, 11], [2]);
    const r = checkLostUpdates(h.build());
    expect(r.valid).toBe(false);
    expect(r.counts.acknowledged).toBe(3);
    // element 1 was added by two ok writes and is absent: each acknowledged addition counts
    expect(r.counts.lost).toBe(2);
    expect(r.violations.map((v) => [v.kind, v.ops])).toEqual([
      ["lost-addition", [a1.id, fin.id]],
      ["lost-addition", [a2.id, fin.id]],
    ]);
  });

  it("rate per 10,000 ops counts client operations, final reads excluded", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], [1], { added: 1 });
    h.write(1, "A", [2, 3], [1, 2], { added: 2 });
    h.write(1, "A", [4, 5], [1, 2, 3], { added: 3 });
    h.write(1, "A", [6, 7], [1, 2, 3, 4], { added: 4 });
    const fin = h.finalRead([10, 11], [1, 2, 4]);
    const r = checkLostUpdates(h.build());
    expect(r.counts.lost).toBe(1);
    expect(r.counts.operations).toBe(4);
    expect(r.counts.lostPer10kOps).toBe(2500);
    expect(r.violations[0].ops[1]).toBe(fin.id);
  });

  it("an element only a failed write added: phantom", () => {
    const h = new HistoryBuilder();
    const w = h.write(1, "A", [0, 1], [7], { added: 7, type: "fail", error: "stale-token" });
    const fin = h.finalRead([10, 11], [7]);
    const r = checkLostUpdates(h.build());
    expect(r.valid).toBe(false);
    expect(r.violations).toMatchObject([{ kind: "phantom-element", ops: [w.id, fin.id] }]);
  });

  it("no final read: unknown, with the reason", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], [1], { added: 1 });
    const r = checkLostUpdates(h.build());
    expect(r.valid).toBe("unknown");
    expect(r.reason).toContain("no final read for k/set");
  });

  it("no writes: no data", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    expect(checkLostUpdates(h.build()).noData).toBe(true);
  });
});

describe("lost-updates: counter", () => {
  it("final value equals the acknowledged increments: valid", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], 1, { resource: "counter" });
    h.write(2, "B", [2, 3], 2, { resource: "counter" });
    h.finalRead([10, 11], 2, "counter");
    expect(checkLostUpdates(h.build()).valid).toBe(true);
  });

  it("two writes of the same value: one increment lost", () => {
    const h = new HistoryBuilder();
    const a = h.write(1, "A", [0, 1], 1, { resource: "counter" });
    const b = h.write(2, "B", [2, 3], 1, { resource: "counter" });
    h.write(1, "A", [4, 5], 2, { resource: "counter" });
    const fin = h.finalRead([10, 11], 2, "counter");
    const r = checkLostUpdates(h.build());
    expect(r.valid).toBe(false);
    expect(r.counts.lost).toBe(1);
    expect(r.violations).toMatchObject([{ kind: "lost-increments", ops: [a.id, b.id, fin.id] }]);
  });
});

describe("lost-updates: register", () => {
  it("every acknowledged write read by someone: valid", () => {
    const h = new HistoryBuilder();
    h.read(1, "A", [0, 1], null, "register");
    h.write(1, "A", [2, 3], 10, { resource: "register" });
    h.read(2, "B", [4, 5], 10, "register");
    h.write(2, "B", [6, 7], 20, { resource: "register" });
    h.finalRead([10, 11], 20, "register");
    expect(checkLostUpdates(h.build()).valid).toBe(true);
  });

  it("a write overwritten before anyone read it: lost", () => {
    const h = new HistoryBuilder();
    h.read(1, "A", [0, 1], null, "register");
    h.read(2, "B", [0, 1], null, "register");
    const a = h.write(1, "A", [2, 3], 10, { resource: "register" });
    h.write(2, "B", [4, 5], 20, { resource: "register" });
    const fin = h.finalRead([10, 11], 20, "register");
    const r = checkLostUpdates(h.build());
    expect(r.violations).toMatchObject([{ kind: "lost-write", ops: [a.id, fin.id] }]);
  });
});
