// Unit tests of the fencing check: accepted tokens never go back in arrival order; stale rejections counted.

import { describe, expect, it } from "vitest";
import { checkFencing } from "../../../checker/effects/fencing.js";
import { HistoryBuilder } from "./history-builder.js";

describe("fencing", () => {
  it("increasing (and repeated) accepted tokens: valid", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], [1], { added: 1, token: "5" });
    h.write(1, "A", [2, 3], [1, 2], { added: 2, token: "5" });
    h.write(2, "B", [4, 5], [1, 2, 3], { added: 3, token: "9" });
    const r = checkFencing(h.build());
    expect(r.valid).toBe(true);
    expect(r.counts.acceptedWrites).toBe(3);
    expect(r.counts.staleRejected).toBe(0);
  });

  it("a lower token accepted after a higher one completed: token went back, with both writes", () => {
    const h = new HistoryBuilder();
    const high = h.write(2, "B", [0, 1], [2], { added: 2, token: "10" });
    const low = h.write(1, "A", [2, 3], [1], { added: 1, token: "9" });
    const r = checkFencing(h.build());
    expect(r.valid).toBe(false);
    expect(r.violations).toMatchObject([{ kind: "token-went-back", ops: [high.id, low.id] }]);
    expect(r.violations[0].explanation).toContain("accepted token 9");
  });

  it("tokens compare as numbers, not strings", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], [1], { added: 1, token: "9" });
    h.write(2, "B", [2, 3], [1, 2], { added: 2, token: "10" });
    expect(checkFencing(h.build()).valid).toBe(true);
  });

  it("concurrent writes: their arrival order is unknown, so no proof", () => {
    const h = new HistoryBuilder();
    h.write(2, "B", [0, 5], [2], { added: 2, token: "10" });
    h.write(1, "A", [1, 3], [1], { added: 1, token: "9" });
    expect(checkFencing(h.build()).valid).toBe(true);
  });

  it("stale writes rejected are counted: fencing saved the data", () => {
    const h = new HistoryBuilder();
    h.write(2, "B", [0, 1], [2], { added: 2, token: "10" });
    h.write(1, "A", [2, 3], [1], { added: 1, token: "9", type: "fail", error: "stale-token" });
    h.call({
      process: 1,
      f: "res-read",
      at: [4, 5],
      input: { resource: "set", owner: "A", token: "9" },
      type: "fail",
      error: "stale-token",
    });
    const r = checkFencing(h.build());
    expect(r.valid).toBe(true);
    expect(r.counts.staleRejected).toBe(2);
    expect(r.counts.staleRejectedWrites).toBe(1);
  });

  it("resources of one key are fenced separately; keys too", () => {
    const h = new HistoryBuilder();
    h.write(2, "B", [0, 1], 5, { resource: "register", token: "10" });
    h.write(1, "A", [2, 3], [1], { added: 1, token: "9" });
    h.call({
      process: 3,
      f: "res-write",
      key: "other",
      at: [4, 5],
      input: { resource: "set", owner: "C", write: [], token: "1" },
    });
    expect(checkFencing(h.build()).valid).toBe(true);
  });

  it("no tokens: no data", () => {
    const h = new HistoryBuilder();
    h.write(1, "A", [0, 1], [1], { added: 1 });
    const r = checkFencing(h.build());
    expect(r.noData).toBe(true);
  });
});
