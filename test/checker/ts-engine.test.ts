// The TS engine through the Engine protocol: resumable slices give the same answer and step count as one
// run; indeterminate ops; the memo limit; the longest prefixes and the failing operation; and the
// brute-force oracle on the same cases.

import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import type { Engine } from "../../checker/engine.js";
import { toOperations } from "../../checker/operations.js";
import { oracleEngine } from "../../checker/oracle.js";
import { tsEngine } from "../../checker/ts-engine.js";
import { getModel } from "../../models/index.js";
import { buildHistory, type OpSpec } from "../models/history-builder.js";

const LIMITS = { maxCacheEntries: 1_000_000 };

function start(engine: Engine, model: string, specs: OpSpec[], options = {}) {
  const m = getModel(model, options);
  const ops = toOperations(buildHistory(specs), m);
  return engine.start(m, ops, LIMITS);
}

// write 1 || write 2 (history indexes 0 and 1); during them a read of 1 (index 2) then a read of 2
// (index 4), so write 2 came last; after them a read of 1 (index 8) cannot be linearized.
const illegal: OpSpec[] = [
  { p: 0, f: "write", in: 1, start: 0, end: 10 },
  { p: 1, f: "write", in: 2, start: 0, end: 10 },
  { p: 2, f: "read", out: 1, start: 1, end: 2 },
  { p: 3, f: "read", out: 2, start: 3, end: 4 },
  { p: 4, f: "read", out: 1, start: 11, end: 12 },
];

describe.each([tsEngine, oracleEngine])("$name engine", (engine) => {
  it("finds a linearization when there is one, and says illegal when there is none", () => {
    const ok = start(engine, "register", illegal.slice(0, 4));
    expect(ok.run(1_000_000)).toBe("linearizable");
    const bad = start(engine, "register", illegal);
    expect(bad.run(1_000_000)).toBe("illegal");
    expect(bad.status).toBe("illegal");
  });

  it("runs resumably: one step at a time gives the same answer and the same number of steps", () => {
    const whole = start(engine, "register", illegal);
    whole.run(1_000_000);
    const sliced = start(engine, "register", illegal);
    let slices = 0;
    while (sliced.run(1) === "running") slices++;
    expect(sliced.status).toBe(whole.status);
    expect(sliced.steps).toBe(whole.steps);
    expect(slices).toBeGreaterThan(2);
  });

  it("reports the longest linearizable prefixes and the op no path got past", () => {
    const s = start(engine, "register", illegal);
    s.run(1_000_000);
    // the only 4-op prefix: write 1, read 1, write 2, read 2; the last read needs all four before it
    expect(s.longestPrefixes(10)).toEqual([[0, 2, 1, 4]]);
    expect(s.failingOperation()).toBe(8);
  });

  it("treats indeterminate ops as optional and timeless", () => {
    const specs: OpSpec[] = [
      { p: 0, f: "write", in: 1, start: 0, end: 1, type: "info" },
      { p: 1, f: "read", out: 0, start: 2, end: 3 },
      { p: 2, f: "read", out: 1, start: 4, end: 5 },
    ];
    expect(start(engine, "register", specs, { initial: 0 }).run(1000)).toBe("linearizable");
    // only indeterminate ops: linearizable without trying anything
    const onlyInfo = start(engine, "register", [{ p: 0, f: "write", in: 1, start: 0, end: 1, type: "info" }]);
    expect(onlyInfo.run(1000)).toBe("linearizable");
    // but an unknown write cannot explain a read that happened before it was invoked
    const before: OpSpec[] = [
      { p: 1, f: "read", out: 1, start: 0, end: 1 },
      { p: 0, f: "write", in: 1, start: 2, end: 3, type: "info" },
    ];
    expect(start(engine, "register", before, { initial: 0 }).run(1000)).toBe("illegal");
  });
});

describe("ts engine only", () => {
  it("stops with memory-limit when the memo holds too many configurations", () => {
    const specs: OpSpec[] = [];
    for (let i = 0; i < 12; i++) specs.push({ p: i, f: "write", in: i, start: 0, end: 10 });
    specs.push({ p: 99, f: "read", out: 99, start: 11, end: 12 });
    const m = getModel("register");
    const s = tsEngine.start(m, toOperations(buildHistory(specs), m), { maxCacheEntries: 100 });
    expect(s.run(1_000_000)).toBe("memory-limit");
    const roomy = tsEngine.start(m, toOperations(buildHistory(specs), m), { maxCacheEntries: 1_000_000 });
    expect(roomy.run(10_000_000)).toBe("illegal");
  });

  it("the memo prunes: far fewer steps than the oracle on many concurrent writes", () => {
    const specs: OpSpec[] = [];
    for (let i = 0; i < 7; i++) specs.push({ p: i, f: "write", in: i % 2, start: 0, end: 10 });
    specs.push({ p: 99, f: "read", out: 5, start: 11, end: 12 });
    const ts = start(tsEngine, "register", specs);
    const oracle = start(oracleEngine, "register", specs);
    expect(ts.run(10_000_000)).toBe("illegal");
    expect(oracle.run(10_000_000)).toBe("illegal");
    expect(ts.steps * 10).toBeLessThan(oracle.steps);
  });

  it("lease-lock: many unknown acquires on one key stay cheap (states past an op's completion are cut)", () => {
    // A simulated lease server (TTL 50 ms, leases start when they take effect): 10 clients on one key;
    // 30% of ops are acquires that time out (info) and took effect half the time; the rest are owner reads.
    let seed = 12345;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) / 2 ** 32;
    };
    const specs: OpSpec[] = [];
    let t = 0;
    let holder: string | null = null;
    let expiresAt = -Infinity;
    for (let k = 0; k < 150; k++) {
      t += 1 + Math.floor(random() * 3);
      const at = t + 0.5; // where the server applies the op
      if (at >= expiresAt) holder = null;
      const owner = `c${k % 10}`;
      if (random() < 0.3) {
        if (holder === null && random() < 0.5) {
          holder = owner;
          expiresAt = at + 50;
        }
        specs.push({ p: k, f: "acquire", in: { owner, ttlMs: 50 }, start: t, end: t + 5, type: "info" });
      } else {
        specs.push({ p: k, f: "owner", in: {}, out: { owner: holder }, start: t, end: t + 1 });
      }
    }
    const history = buildHistory(specs, 1_000_000);
    const model = getModel("lease-lock");
    const cut = check(history, model, { engine: "ts", maxSteps: 200_000 });
    expect(cut.valid).toBe(true);
    expect(cut.partitions[0].steps).toBeLessThan(100_000); // about 50k
    const uncut = check(
      history,
      { ...model, earliestNextTime: undefined },
      { engine: "ts", maxSteps: 200_000 },
    );
    expect(uncut.valid === "unknown" || uncut.partitions[0].steps > 10 * cut.partitions[0].steps).toBe(true);
  });

  it("dispose is safe twice, and a disposed search refuses to run", () => {
    const s = start(tsEngine, "register", illegal);
    s.run(2);
    s.dispose();
    s.dispose();
    expect(() => s.run(10)).toThrow(/disposed/);
  });
});
