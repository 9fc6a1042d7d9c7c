// Test helper: the verdict of a small history (given as intervals) under a model, from the TS engine,
// asserted equal to the brute-force oracle's. Test-only.

import { expect } from "vitest";
import { check } from "../../checker/check.js";
import type { Verdict } from "../../checker/result.js";
import type { Model } from "../../models/model.js";
import { buildHistory, type OpSpec } from "./history-builder.js";

export function verdict(model: Model, specs: OpSpec[], scale = 1): Verdict {
  const history = buildHistory(specs, scale);
  const ts = check(history, model, { engine: "ts" });
  const oracle = check(history, model, { engine: "oracle" });
  expect(oracle.valid).toBe(ts.valid);
  return ts.valid;
}
