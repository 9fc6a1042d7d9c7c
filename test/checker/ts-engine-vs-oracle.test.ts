// Property: on many thousands of small random histories (info ops included), for every built-in model,
// the TS engine and the brute-force oracle give the same verdict (and, without unknown ops, longest
// prefixes of the same length); and checking key by key agrees with checking the whole history at once.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { getModel } from "../../models/index.js";
import { historyArbitrary, MODEL_CASES } from "./arbitraries.js";

const RUNS = 2500;

describe("TS engine agrees with the oracle", () => {
  it.each(MODEL_CASES)("$label", (c) => {
    let illegal = 0;
    let legal = 0;
    fc.assert(
      fc.property(historyArbitrary(c, 8), (history) => {
        const model = getModel(c.model, c.options);
        const ts = check(history, model, { engine: "ts", partition: false });
        const oracle = check(history, model, { engine: "oracle", partition: false });
        expect(ts.valid).toBe(oracle.valid);
        if (ts.valid === false) {
          illegal++;
          // With no unknown ops and an untimed model both search every prefix, so their longest have the
          // same length. (The TS engine skips an unknown op that would change nothing, and a timed model's
          // state whose time is past an op still to place, so then its prefixes may be shorter.)
          if (!history.some((op) => op.type === "info") && !model.earliestNextTime) {
            const tsLongest = ts.counterexample!.longestPrefixes[0].length;
            const oracleLongest = oracle.counterexample!.longestPrefixes[0].length;
            expect(tsLongest).toBe(oracleLongest);
          }
        } else legal++;
        if (model.partition) {
          expect(check(history, model, { engine: "ts" }).valid).toBe(ts.valid);
        }
      }),
      { numRuns: RUNS, seed: 20261126 },
    );
    // The generator must exercise both answers, or the property says little.
    expect(legal).toBeGreaterThan(RUNS / 10);
    expect(illegal).toBeGreaterThan(RUNS / 10);
  });
});
