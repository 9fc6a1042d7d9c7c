// RemainingTracker (checker/remaining-ops.ts): what Model.canonical is told of the ops not placed yet.

import { describe, expect, it } from "vitest";
import { toOperations } from "../../checker/operations.js";
import { RemainingTracker } from "../../checker/remaining-ops.js";
import type { History } from "../../histories/op.js";
import { getModel } from "../../models/index.js";

const model = getModel("lease-lock");

function op(index: number, process: number, type: "invoke" | "ok", f: string, value: unknown, time: number) {
  return { index, time, process, type, f, key: "k", value };
}

// renew by a, release by b, a read that returned a, an acquire by c (observes nobody)
const history: History = [
  op(0, 0, "invoke", "renew", { owner: "a", ttlMs: 100 }, 0),
  op(1, 0, "ok", "renew", { owner: "a", ttlMs: 100 }, 10),
  op(2, 1, "invoke", "release", { owner: "b" }, 20),
  op(3, 1, "ok", "release", { owner: "b" }, 30),
  op(4, 2, "invoke", "owner", {}, 40),
  op(5, 2, "ok", "owner", { owner: "a" }, 50),
  op(6, 3, "invoke", "acquire", { owner: "c", ttlMs: 100 }, 60),
  op(7, 3, "ok", "acquire", { owner: "c", ttlMs: 100 }, 70),
] as History;

describe("RemainingTracker", () => {
  const ops = toOperations(history, model);

  it("knows whom the ops not placed yet observe, the op being placed excluded", () => {
    const t = new RemainingTracker(model, ops);
    t.focus(3, 0);
    expect(t.observed("a")).toBe(true); // the renew and the read both observe a
    expect(t.observed("b")).toBe(true);
    expect(t.observed("c")).toBe(false); // an acquire observes nobody
    expect(t.observed("nobody")).toBe(false);
    t.focus(1, 0); // placing the release by b: nothing else observes b
    expect(t.observed("b")).toBe(false);
    expect(t.observed("a")).toBe(true);
  });

  it("follows ops as they are placed and taken back", () => {
    const t = new RemainingTracker(model, ops);
    t.placed(0); // the renew by a
    t.focus(2, 0); // placing the read of a: no other op observes a now
    expect(t.observed("a")).toBe(false);
    t.focus(3, 0);
    expect(t.observed("a")).toBe(true); // the read itself still remains
    t.unplaced(0);
    t.focus(2, 0);
    expect(t.observed("a")).toBe(true);
  });

  it("passes on the earliest invocation it is given", () => {
    const t = new RemainingTracker(model, ops);
    expect(t.focus(0, 1234).earliestInvoke).toBe(1234);
  });
});
