// Three implementations, one answer (DESIGN.md section 3): on many random small histories per model, the
// wasm engine, the TS engine and the brute-force oracle must give the same verdict for every partition.
// The oracle only sees histories small enough for it; bigger ones hold wasm against TS alone.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { generateHopelessAndIllegal } from "../../checker/bench/synthetic.js";
import type { Engine } from "../../checker/engine.js";
import { toOperations } from "../../checker/operations.js";
import { oracleEngine } from "../../checker/oracle.js";
import { tsEngine } from "../../checker/ts-engine.js";
import { wasmEngine } from "../../checker/wasm/engine.js";
import type { History } from "../../histories/op.js";
import { getModel, type ModelOptions } from "../../models/index.js";
import type { Model } from "../../models/model.js";
import {
  casRegisterPlan,
  historyArb,
  kvPlan,
  leaseDt,
  lockPlan,
  multiRegisterPlan,
  type OpPlan,
  registerPlan,
  smallDt,
} from "./wasm-arbitraries.js";

type Outcome = "linearizable" | "illegal";

/** Per partition (in key order): the verdict and the steps the search took. */
function searches(engine: Engine, model: Model, history: History): { status: Outcome; steps: number }[] {
  const groups = model.partition ? model.partition(history) : new Map([["", history]]);
  const out: { status: Outcome; steps: number }[] = [];
  for (const key of [...groups.keys()].sort()) {
    const ops = toOperations(groups.get(key)!, model);
    const search = engine.start(model, ops, { maxCacheEntries: 1_000_000 });
    try {
      const status = search.run(Number.POSITIVE_INFINITY);
      if (status !== "linearizable" && status !== "illegal") throw new Error(`${engine.name}: ${status}`);
      out.push({ status, steps: search.steps });
    } finally {
      search.dispose();
    }
  }
  return out;
}

function verdicts(engine: Engine, model: Model, history: History): Outcome[] {
  return searches(engine, model, history).map((s) => s.status);
}

interface Suite {
  name: string;
  options: ModelOptions;
  plan: fc.Arbitrary<OpPlan>;
  dt: fc.Arbitrary<number>;
}

const suites: Suite[] = [
  { name: "register", options: { initial: 0 }, plan: registerPlan, dt: smallDt },
  { name: "register", options: { initial: null, nilReadMatchesAny: true }, plan: registerPlan, dt: smallDt },
  { name: "cas-register", options: { initial: null }, plan: casRegisterPlan, dt: smallDt },
  {
    name: "cas-register",
    options: { initial: 0, nilReadMatchesAny: true },
    plan: casRegisterPlan,
    dt: smallDt,
  },
  { name: "multi-register", options: { initial: { x: 0, y: 0 } }, plan: multiRegisterPlan, dt: smallDt },
  { name: "mutex", options: {}, plan: lockPlan(true), dt: smallDt },
  { name: "owner-mutex", options: {}, plan: lockPlan(true), dt: smallDt },
  { name: "kv", options: {}, plan: kvPlan, dt: smallDt },
  { name: "kv-unpartitioned", options: {}, plan: kvPlan, dt: smallDt },
  { name: "lease-lock", options: {}, plan: lockPlan(true), dt: leaseDt },
  { name: "lease-lock", options: { fencing: true }, plan: lockPlan(false), dt: leaseDt },
  { name: "lease-lock", options: { epsilon: 0 }, plan: lockPlan(false), dt: leaseDt },
  { name: "lease-lock", options: { epsilon: 0.5 }, plan: lockPlan(false), dt: leaseDt },
];

/** Fencing on needs a token on every ok acquire: give one where the plan has none. */
function withTokens(history: History): History {
  let next = 1;
  return history.map((op) => {
    if (op.f !== "acquire" || op.type !== "ok") return op;
    const value = op.value as Record<string, unknown>;
    return value.token === undefined ? { ...op, value: { ...value, token: String(next++) } } : op;
  });
}

function label(s: Suite): string {
  return `${s.name} ${JSON.stringify(s.options)}`;
}

describe("wasm, ts and oracle agree", () => {
  it.each(suites)("$name small histories, three engines ($options)", (suite) => {
    const model = getModel(suite.name, suite.options);
    let illegal = 0;
    let legal = 0;
    fc.assert(
      fc.property(historyArb(suite.plan, 16, suite.dt), (raw) => {
        const history = suite.options.fencing ? withTokens(raw) : raw;
        const wasm = verdicts(wasmEngine, model, history);
        expect(verdicts(tsEngine, model, history)).toEqual(wasm);
        expect(verdicts(oracleEngine, model, history)).toEqual(wasm);
        for (const v of wasm) v === "illegal" ? illegal++ : legal++;
      }),
      { numRuns: 1500 },
    );
    // The generator must produce both verdicts, or the agreement says little.
    expect(illegal, label(suite)).toBeGreaterThan(20);
    expect(legal, label(suite)).toBeGreaterThan(20);
  });

  it.each(suites)("$name larger histories, wasm against ts ($options)", (suite) => {
    const model = getModel(suite.name, suite.options);
    fc.assert(
      fc.property(historyArb(suite.plan, 50, suite.dt), (raw) => {
        const history = suite.options.fencing ? withTokens(raw) : raw;
        expect(verdicts(tsEngine, model, history)).toEqual(verdicts(wasmEngine, model, history));
      }),
      { numRuns: 400 },
    );
  });

  // The two engines run one algorithm: the same candidate order, the same cuts and (lease-lock: through
  // Model.canonical) the same memo of states. So they must take exactly as many steps; a difference means
  // one of them prunes less (or, worse, more) than the other. Not kv: its wasm codec maps every value no
  // get can read to one "dead" state, a coarser memo than the TS model's (fewer steps, same verdicts).
  const sameAlgorithm = suites.filter((s) => s.name !== "kv" && s.name !== "kv-unpartitioned");
  it.each(sameAlgorithm)("$name: wasm and ts search alike, step for step ($options)", (suite) => {
    const model = getModel(suite.name, suite.options);
    fc.assert(
      fc.property(historyArb(suite.plan, 40, suite.dt), (raw) => {
        const history = suite.options.fencing ? withTokens(raw) : raw;
        expect(searches(tsEngine, model, history)).toEqual(searches(wasmEngine, model, history));
      }),
      { numRuns: 300 },
    );
  });
});

// Past 32K entries both memos grow by moving to a new table a few slots per insert (the wasm one into a
// table zeroed ahead, a little per insert). A slot lost or made up there would change what the search
// prunes: with the same entry limit, both engines must then stop at different steps.
describe("wasm and ts memos agree past the small-table size", () => {
  it("on a hopeless partition, both reach a 150,000-entry limit at the same step, slice by slice", () => {
    const model = getModel("owner-mutex");
    const { history } = generateHopelessAndIllegal({
      indeterminate: 64,
      hopelessFirst: true,
      hopelessOnly: true,
    });
    const ops = toOperations(history, model);
    const stopAt = (engine: Engine) => {
      const search = engine.start(model, ops, { maxCacheEntries: 150_000 });
      try {
        let status = search.status;
        for (let slice = 0; slice < 10_000 && status === "running"; slice++) status = search.run(2_000);
        return { status, steps: search.steps };
      } finally {
        search.dispose();
      }
    };
    const wasm = stopAt(wasmEngine);
    expect(wasm.status).toBe("memory-limit");
    expect(wasm.steps).toBeGreaterThan(150_000);
    expect(stopAt(tsEngine)).toEqual(wasm);
  });
});
