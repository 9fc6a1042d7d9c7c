// Unit tests of the exclusion check on small hand-written histories: each rule passes and fails.

import { describe, expect, it } from "vitest";
import { checkExclusion } from "../../../checker/effects/exclusion.js";
import { HistoryBuilder } from "./history-builder.js";

describe("exclusion", () => {
  it("sequential holders: no violation", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.read(1, "A", [2, 3], []);
    h.write(1, "A", [4, 5], [1], { added: 1 });
    h.release(1, "A", [6, 7]);
    h.acquire(2, "B", [8, 9]);
    h.read(2, "B", [10, 11], [1]);
    h.write(2, "B", [12, 13], [1, 2], { added: 2 });
    h.release(2, "B", [14, 15]);
    const r = checkExclusion(h.build());
    expect(r.valid).toBe(true);
    expect(r.noData).toBe(false);
    expect(r.counts.tenures).toBe(2);
    expect(r.counts.accesses).toBe(4);
    expect(r.violations).toEqual([]);
  });

  it("A's access, B's access, A's later access: interleaved, with the three ops", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    const aRead = h.read(1, "A", [2, 3], []);
    h.acquire(2, "B", [4, 5]);
    const bRead = h.read(2, "B", [6, 7], []);
    const bWrite = h.write(2, "B", [8, 9], [2], { added: 2 });
    h.release(2, "B", [10, 11]);
    const aWrite = h.write(1, "A", [12, 13], [1], { added: 1 });
    h.release(1, "A", [14, 15]);
    const r = checkExclusion(h.build());
    expect(r.valid).toBe(false);
    expect(r.violations).toHaveLength(1);
    expect(r.violations[0].kind).toBe("interleaved-accesses");
    expect(r.violations[0].ops).toEqual([aRead.id, bRead.id, aWrite.id]);
    expect(r.violations[0].explanation).toContain(`index ${bRead.id}`);
    expect(bWrite.id).toBeGreaterThan(bRead.id);
  });

  it("two accesses whose intervals overlap: concurrent", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.acquire(2, "B", [0.5, 1.5]);
    const a = h.write(1, "A", [2, 6], [1], { added: 1 });
    const b = h.write(2, "B", [3, 5], [2], { added: 2 });
    h.release(1, "A", [7, 8]);
    h.release(2, "B", [7, 8]);
    const r = checkExclusion(h.build());
    expect(r.valid).toBe(false);
    expect(r.violations.map((v) => [v.kind, v.ops])).toEqual([["concurrent-accesses", [a.id, b.id]]]);
  });

  it("each accesses while the other still holds by its own account: overlapping sections", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.acquire(2, "B", [1, 2]);
    const a = h.write(1, "A", [3, 4], [1], { added: 1 });
    const b = h.write(2, "B", [5, 6], [2], { added: 2 });
    h.release(1, "A", [7, 8]);
    h.release(2, "B", [9, 10]);
    const r = checkExclusion(h.build());
    expect(r.violations.map((v) => [v.kind, v.ops])).toEqual([["overlapping-sections", [a.id, b.id]]]);
  });

  it("A holds but makes no access during B's section: no interleaving, no violation", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.write(1, "A", [2, 3], [1], { added: 1 });
    h.acquire(2, "B", [4, 5]);
    h.write(2, "B", [6, 7], [1, 2], { added: 2 });
    h.release(2, "B", [8, 9]);
    h.release(1, "A", [10, 11]);
    expect(checkExclusion(h.build()).valid).toBe(true);
  });

  it("a rejected (fail) stale write is not an access that happened", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1], 1000, { token: "1" });
    h.read(1, "A", [2, 3], [], "set", "1");
    h.acquire(2, "B", [4, 5], 1000, { token: "2" });
    h.read(2, "B", [6, 7], [], "set", "2");
    h.write(2, "B", [8, 9], [2], { added: 2, token: "2" });
    h.release(2, "B", [10, 11]);
    h.write(1, "A", [12, 13], [1], { added: 1, token: "1", type: "fail", error: "stale-token" });
    h.release(1, "A", [14, 15]);
    const r = checkExclusion(h.build());
    expect(r.valid).toBe(true);
    expect(r.counts.overlappingTenures).toBe(1);
  });

  it("the same owner in two processes is one holder, not two", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.write(1, "A", [2, 4], [1], { added: 1 });
    h.write(2, "A", [3, 5], [1, 2], { added: 2 });
    h.release(1, "A", [6, 7]);
    expect(checkExclusion(h.build()).valid).toBe(true);
  });

  it("a never-released tenure ends at its last access", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.write(1, "A", [2, 3], [1], { added: 1 });
    h.acquire(2, "B", [4, 5]);
    h.write(2, "B", [6, 7], [1, 2], { added: 2 });
    h.release(2, "B", [8, 9]);
    const r = checkExclusion(h.build());
    expect(r.valid).toBe(true);
    expect(r.counts.overlappingTenures).toBe(0);
  });

  it("keys are independent", () => {
    const h = new HistoryBuilder();
    h.call({ process: 1, f: "acquire", key: "x", at: [0, 1], input: { owner: "A", ttlMs: 1000 } });
    h.call({ process: 2, f: "acquire", key: "y", at: [0, 1], input: { owner: "B", ttlMs: 1000 } });
    h.call({
      process: 1,
      f: "res-write",
      key: "x",
      at: [2, 6],
      input: { resource: "set", owner: "A", write: [1] },
    });
    h.call({
      process: 2,
      f: "res-write",
      key: "y",
      at: [3, 5],
      input: { resource: "set", owner: "B", write: [2] },
    });
    expect(checkExclusion(h.build()).valid).toBe(true);
  });

  it("no accesses: no data", () => {
    const h = new HistoryBuilder();
    h.acquire(1, "A", [0, 1]);
    h.release(1, "A", [2, 3]);
    const r = checkExclusion(h.build());
    expect(r.noData).toBe(true);
    expect(r.reason).toMatch(/no resource accesses/);
  });
});
