// buildCounterexample (checker/counterexample.ts) copies the steps a prefix shares with the one before
// it instead of replaying them. This holds it to a plain replay of every prefix from the initial state,
// on random legal register sequences cut at random lengths (prefixes that share beginnings or do not).

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildCounterexample, describeOperation, describeState } from "../../checker/counterexample.js";
import type { PartitionSearch } from "../../checker/engine.js";
import { getModel } from "../../models/index.js";
import type { Operation } from "../../models/model.js";

const model = getModel("cas-register", { initial: 0 });

/** A legal sequence of register ops: writes of `values`, each followed by a read of it. */
function sequence(values: number[], firstId: number): Operation[] {
  const ops: Operation[] = [];
  for (const v of values) {
    for (const f of ["write", "read"]) {
      const id = firstId + ops.length;
      ops.push({
        id,
        process: 0,
        f,
        input: f === "write" ? v : null,
        output: v,
        indeterminate: false,
        invokeTime: id,
        completeTime: id + 0.5,
      });
    }
  }
  return ops;
}

function searchGiving(prefixes: number[][], failing: number): PartitionSearch {
  return {
    run: () => "illegal",
    status: "illegal",
    steps: 0,
    longestPrefixes: (limit) => prefixes.slice(0, limit),
    failingOperation: () => failing,
    dispose: () => {},
  };
}

describe("counterexample", () => {
  it("gives every prefix the steps and states of a plain replay", () => {
    const values = fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 8 });
    fc.assert(
      fc.property(
        values,
        values,
        fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 5 }),
        (a, b, cuts) => {
          const first = sequence(a, 0);
          const second = sequence(b, 1000);
          // second starts with first's opening write/read pair, so the two share a beginning
          const other = [...first.slice(0, 2), ...second];
          const prefixes = cuts.map(([useOther, n]) => {
            const ops = useOther ? other : first;
            return ops.slice(0, n % (ops.length + 1)).map((op) => op.id);
          });
          const all = [...first, ...second];
          const ce = buildCounterexample("k", model, all, searchGiving(prefixes, 1));
          const byId = new Map(all.map((op) => [op.id, op]));
          const plain = prefixes.map((ids) => {
            let state = model.init();
            return ids.map((id) => {
              const op = byId.get(id)!;
              state = model.step(state, op);
              return {
                opIndex: id,
                description: describeOperation(model, op),
                stateAfter: describeState(model, state),
              };
            });
          });
          expect(ce.longestPrefixes).toEqual(plain.slice(0, 4));
          expect(ce.opIndex).toBe(1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
