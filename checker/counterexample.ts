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
  const longestPrefixes = search.longestPrefixes(limit).map((prefix) => replay(model, prefix, byId));
  const failingOp = byId.get(failing);
  return {
    key,
    opIndex: failing,
    description: failingOp ? describeOperation(model, failingOp) : "(no operation)",
    longestPrefixes,
    initialState: describeState(model, model.init()),
  };
}

function replay(model: Model, prefix: readonly number[], byId: Map<number, Operation>): LinearizationStep[] {
  let state = model.init();
  const steps: LinearizationStep[] = [];
  for (const id of prefix) {
    const op = byId.get(id);
    if (!op) throw new Error(`engine bug: prefix names operation ${id}, which is not in the partition`);
    const next = model.step(state, op);
    if (next === undefined) throw new Error(`engine bug: prefix does not replay at operation ${id}`);
    state = next;
    steps.push({
      opIndex: id,
      description: describeOperation(model, op),
      stateAfter: describeState(model, state),
    });
  }
  return steps;
}
