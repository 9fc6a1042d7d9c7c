// Builds the Counterexample of an illegal partition: the op no linearization got past, and the longest
// linearizable prefixes replayed through the TS model so each step shows the model state after it.
// It must never search; a prefix that does not replay is an engine bug and is reported as such.

import type { Model, Operation } from "../models/model.js";
import type { PartitionSearch } from "./engine.js";
import type { Counterexample, LinearizationStep } from "./result.js";

/** How many longest prefixes a counterexample shows. */
export const COUNTEREXAMPLE_PREFIXES = 4;

export function describeOperation(model: Model, op: Operation): string {
  if (model.describeOperation) return model.describeOperation(op);
  const out = op.indeterminate ? "?" : JSON.stringify(op.output);
  return `${op.f} ${JSON.stringify(op.input) ?? ""} -> ${out ?? ""}`.trim();
}

export function describeState(model: Model, state: unknown): string {
  return model.describeState ? model.describeState(state) : model.key(state);
}

export function buildCounterexample(
  key: string,
  model: Model,
  operations: readonly Operation[],
  search: PartitionSearch,
  limit = COUNTEREXAMPLE_PREFIXES,
): Counterexample {
  const byId = new Map<number, Operation>();
  for (const op of operations) byId.set(op.id, op);
  const failing = search.failingOperation();
  const failingOp = byId.get(failing);
  return {
    key,
    opIndex: failing,
    description: failingOp ? describeOperation(model, failingOp) : "(no operation)",
    longestPrefixes: replayAll(model, search.longestPrefixes(limit), byId),
    initialState: describeState(model, model.init()),
  };
}

/**
 * Replays each prefix through the model. The prefixes of one search mostly begin alike: the steps a
 * prefix shares from the start with the one before it are the same (the model is pure), so they are
 * copied, not replayed; each op is described once.
 */
function replayAll(
  model: Model,
  prefixes: readonly (readonly number[])[],
  byId: Map<number, Operation>,
): LinearizationStep[][] {
  const descriptions = new Map<number, string>();
  const out: LinearizationStep[][] = [];
  let previous: readonly number[] = [];
  let previousStates: unknown[] = [];
  for (const prefix of prefixes) {
    let shared = 0;
    while (shared < prefix.length && shared < previous.length && prefix[shared] === previous[shared])
      shared++;
    const before = out.length > 0 ? out[out.length - 1] : [];
    const steps: LinearizationStep[] = [];
    const states: unknown[] = previousStates.slice(0, shared);
    for (let j = 0; j < shared; j++) steps.push({ ...before[j] });
    let state = shared > 0 ? states[shared - 1] : model.init();
    for (let j = shared; j < prefix.length; j++) {
      const id = prefix[j];
      const op = byId.get(id);
      if (!op) throw new Error(`engine bug: prefix names operation ${id}, which is not in the partition`);
      const next = model.step(state, op);
      if (next === undefined) throw new Error(`engine bug: prefix does not replay at operation ${id}`);
      state = next;
      states.push(state);
      let description = descriptions.get(id);
      if (description === undefined) {
        description = describeOperation(model, op);
        descriptions.set(id, description);
      }
      steps.push({ opIndex: id, description, stateAfter: describeState(model, state) });
    }
    out.push(steps);
    previous = prefix;
    previousStates = states;
  }
  return out;
}
