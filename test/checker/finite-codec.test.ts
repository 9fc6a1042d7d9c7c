// The finite codec (checker/wasm/codecs/finite.ts) tabulates each group of ops that share a signature
// once. This holds its table to the model's own step, op by op: for every reachable state, the column the
// codec gave an op must name the state model.step reaches with that very op (or -1 when it is illegal).
// Values are drawn to be easy to confuse (1, 1n, "1", null, undefined, [1], {x: 1}).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { B, RECORD_INTS } from "../../checker/wasm/codecs/codec.js";
import { exactKey, finiteCodec } from "../../checker/wasm/codecs/finite.js";
import { getModel } from "../../models/index.js";
import type { Model, Operation } from "../../models/model.js";

const tricky = fc.constantFrom<unknown>(
  Number.NaN,
  [undefined],
  [null],
  0,
  1,
  2,
  1n,
  "1",
  "",
  null,
  undefined,
  [1],
  [1, 2],
  { x: 1 },
  { x: "1" },
);

function operation(i: number, f: string, input: unknown, output: unknown, indeterminate: boolean): Operation {
  return {
    id: i,
    process: i % 3,
    f,
    input,
    output: indeterminate ? undefined : output,
    indeterminate,
    invokeTime: i,
    completeTime: indeterminate ? Number.POSITIVE_INFINITY : i + 1,
  };
}

const registerOp = fc.tuple(fc.constantFrom("read", "write", "cas"), tricky, tricky, fc.boolean());

function registerOps(list: [string, unknown, unknown, boolean][]): Operation[] {
  return list.map(([f, a, b, info], i) =>
    f === "cas"
      ? operation(i, f, [a, b], undefined, info)
      : operation(i, f, f === "write" ? a : null, b, info),
  );
}

const multiOp = fc.tuple(
  fc.array(fc.tuple(fc.constantFrom("read", "write"), fc.constantFrom("x", "y"), tricky), {
    minLength: 1,
    maxLength: 3,
  }),
  fc.boolean(),
);

/** Every reachable state (breadth first over all ops) and, per op, the codec's column checked against step. */
function holdsToStep(model: Model, ops: Operation[]): void {
  const enc = finiteCodec.encode(model, ops);
  const states: unknown[] = [model.init()];
  const ids = new Map<string, number>([[model.key(states[0]), 0]]);
  for (let s = 0; s < states.length; s++) {
    for (const op of ops) {
      const next = model.step(states[s], op);
      if (next !== undefined && !ids.has(model.key(next))) {
        ids.set(model.key(next), states.length);
        states.push(next);
      }
    }
  }
  ops.forEach((op, i) => {
    const offset = enc.records[i * RECORD_INTS + B];
    states.forEach((state, s) => {
      const next = model.step(state, op);
      const expected = next === undefined ? -1 : (ids.get(model.key(next)) as number);
      // Both number states in order of discovery over the ops in order, so the ids are comparable.
      expect(enc.aux[offset + s], `op ${i} (${op.f}) from state ${model.key(state)}`).toBe(expected);
    });
  });
}

describe("finite codec", () => {
  it("keeps apart values the models tell apart", () => {
    const values = [
      0,
      1,
      1n,
      "1",
      null,
      undefined,
      [1],
      [null],
      [undefined],
      [Number.NaN],
      ["1"],
      [1n],
      { x: 1 },
    ];
    const keys = values.map(exactKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(exactKey([() => 1])).toBeUndefined();
  });

  it("gives every register and cas-register op the column of its own step", () => {
    fc.assert(
      fc.property(
        fc.array(registerOp, { maxLength: 25 }),
        fc.boolean(),
        fc.boolean(),
        (list, cas, nilAny) => {
          const model = getModel(cas ? "cas-register" : "register", {
            initial: 0,
            nilReadMatchesAny: nilAny,
          });
          const ops = registerOps(cas ? list : list.filter(([f]) => f !== "cas"));
          holdsToStep(model, ops);
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("gives every multi-register txn the column of its own step", () => {
    const model = getModel("multi-register", { initial: { x: 0, y: 0 } });
    fc.assert(
      fc.property(fc.array(multiOp, { maxLength: 20 }), (list) => {
        const ops = list.map(([txn, info], i) => operation(i, "txn", txn, txn, info));
        holdsToStep(model, ops);
      }),
      { numRuns: 300 },
    );
  });
});
