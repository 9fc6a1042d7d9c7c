// check() and the pieces it composes: pairing a history into operations (fail dropped, info open-ended,
// prepare applied, order), the real-time order of events, engine choice, options, and the counterexample.

import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { selectEngine } from "../../checker/engines.js";
import { realTimeEvents, toOperations } from "../../checker/operations.js";
import type { History } from "../../histories/op.js";
import { getModel } from "../../models/index.js";
import { buildHistory } from "../models/history-builder.js";

describe("toOperations", () => {
  const history: History = [
    { index: 0, time: 0, process: 1, type: "invoke", f: "write", value: 1 },
    { index: 1, time: 1, process: 2, type: "invoke", f: "write", value: 2 },
    { index: 2, time: 2, process: "nemesis", type: "invoke", f: "partition" },
    { index: 3, time: 3, process: 1, type: "ok", f: "write", value: 1 },
    { index: 4, time: 4, process: 2, type: "fail", f: "write", value: 2 },
    { index: 5, time: 5, process: 3, type: "invoke", f: "read", value: null },
    { index: 6, time: 6, process: 3, type: "ok", f: "read", value: 1 },
    { index: 7, time: 7, process: 4, type: "invoke", f: "write", value: 3 },
    { index: 8, time: 8, process: 4, type: "info", f: "write", value: 3 },
    { index: 9, time: 9, process: 5, type: "invoke", f: "read", value: null },
    { index: 10, time: 10, process: 5, type: "info", f: "read", value: null },
    { index: 11, time: 11, process: 6, type: "invoke", f: "write", value: 4 },
  ];
  const ops = toOperations(history, getModel("register"));

  it("pairs by process, drops fail pairs and nemesis ops, and unknown reads (prepare)", () => {
    expect(ops.map((o) => o.id)).toEqual([0, 5, 7, 11]);
  });
  it("keeps the input and output, and the completion's index", () => {
    expect(ops[1]).toMatchObject({
      f: "read",
      input: null,
      output: 1,
      invokeTime: 5,
      completeTime: 6,
      completeId: 6,
    });
  });
  it("makes info and never-completed ops indeterminate with completeTime Infinity", () => {
    expect(ops[2]).toMatchObject({ indeterminate: true, completeTime: Infinity, output: undefined });
    expect(ops[3]).toMatchObject({ indeterminate: true, completeTime: Infinity });
  });
  it("rejects a completion with no invocation", () => {
    expect(() =>
      toOperations([{ index: 0, time: 0, process: 1, type: "ok", f: "read" }], getModel("register")),
    ).toThrow(/no invocation/);
  });
});

describe("realTimeEvents", () => {
  it("orders by time, then by history index, so equal times keep the recorded order", () => {
    const history = buildHistory([
      { p: 0, f: "write", in: 1, start: 0, end: 0 },
      { p: 1, f: "read", out: 1, start: 0, end: 0 },
    ]);
    const ops = toOperations(history, getModel("register"));
    // write invoke (0), write ok (1), read invoke (2), read ok (3): the write returned before the read began
    expect(Array.from(realTimeEvents(ops))).toEqual([0, 1, 2, 3]);
    expect(check(history, getModel("register"), { engine: "ts" }).valid).toBe(true);
    const swapped = buildHistory([
      { p: 0, f: "write", in: 1, start: 0, end: 0 },
      { p: 1, f: "read", out: 0, start: 0, end: 0 },
    ]);
    expect(check(swapped, getModel("register", { initial: 0 }), { engine: "ts" }).valid).toBe(false);
  });
  it("puts the returns of indeterminate ops last", () => {
    const history = buildHistory([
      { p: 0, f: "write", in: 1, start: 0, end: 1, type: "info" },
      { p: 1, f: "write", in: 2, start: 2, end: 3 },
    ]);
    const events = Array.from(realTimeEvents(toOperations(history, getModel("register"))));
    expect(events.at(-1)).toBe(1); // the return of operation 0, the info write
  });
});

describe("check", () => {
  const bad = buildHistory([
    { p: 0, f: "write", in: 1, start: 0, end: 1 },
    { p: 1, f: "read", out: 1, start: 2, end: 3 },
    { p: 2, f: "read", out: 7, start: 4, end: 5 },
  ]);

  it("explains a false verdict: the failing op, the longest prefixes and the states along them", () => {
    const result = check(bad, getModel("cas-register", { initial: 0 }), { engine: "ts" });
    expect(result).toMatchObject({ valid: false, model: "cas-register", engine: "ts" });
    expect(result.partitions).toEqual([{ key: "", valid: false, operations: 3, steps: expect.any(Number) }]);
    const ce = result.counterexample!;
    expect(ce.opIndex).toBe(4);
    expect(ce.description).toBe("read -> 7");
    expect(ce.initialState).toBe("0");
    expect(ce.longestPrefixes[0]).toEqual([
      { opIndex: 0, description: "write 1", stateAfter: "1" },
      { opIndex: 2, description: "read -> 1", stateAfter: "1" },
    ]);
    expect(result.elapsedMs).toBeGreaterThan(0);
  });

  it("a true verdict has no counterexample and no cause", () => {
    const result = check(bad.slice(0, 4), getModel("cas-register", { initial: 0 }), { engine: "ts" });
    expect(result.valid).toBe(true);
    expect(result.counterexample).toBeUndefined();
    expect(result.cause).toBeUndefined();
  });

  it("auto picks wasm only when it is registered and supports the model, else ts", () => {
    const engine = selectEngine("auto", getModel("register"));
    expect(["wasm", "ts"]).toContain(engine.name);
    const custom = { name: "custom", init: () => 0, step: () => 0, key: () => "0" };
    expect(selectEngine("auto", custom).name).toBe(
      engine.name === "wasm" && engine.supports(custom) ? "wasm" : "ts",
    );
    expect(check(bad, custom, { engine: "auto" }).valid).toBe(true);
  });

  it("partition: false checks a partitioning model as one object", () => {
    const h = buildHistory([
      { p: 0, f: "acquire", key: "x", start: 0, end: 1 },
      { p: 1, f: "acquire", key: "y", start: 2, end: 3 },
    ]);
    expect(check(h, getModel("mutex"), { engine: "ts" }).valid).toBe(true);
    expect(check(h, getModel("mutex"), { engine: "ts", partition: false }).valid).toBe(false);
  });

  it("rejects bad options and unknown engines with a clear message", () => {
    expect(() => check(bad, getModel("register"), { timeLimitMs: 0 })).toThrow(/timeLimitMs/);
    expect(() => check(bad, getModel("register"), { engine: "nope" as "ts" })).toThrow(/not available/);
    expect(() => getModel("nope")).toThrow(/known models/);
  });
});
