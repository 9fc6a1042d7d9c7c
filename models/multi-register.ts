// The `multi-register` model (Knossos's): named registers changed by transactions, each a list of
// [read k v] and [write k v] micro-ops applied in order; a read of nil matches any value (Knossos's
// rule). The initial map is a parameter. Pure: it must never mutate a state or an operation.

import type { Model, Operation } from "./model.js";
import { bareName, ModelInputError, sameValue, showValue, valueKey } from "./values.js";

export type MultiRegisterState = Readonly<Record<string, unknown>>;

type MicroOp = [f: "read" | "write", key: string, value: unknown];

function microOps(value: unknown): MicroOp[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const out: MicroOp[] = [];
  for (const m of value) {
    if (!Array.isArray(m) || m.length !== 3) return undefined;
    const f = bareName(m[0]);
    if (f !== "read" && f !== "write") return undefined;
    out.push([f, bareName(m[1]), m[2]]);
  }
  return out;
}

export function multiRegisterModel(
  options: { initial?: Record<string, unknown> } = {},
): Model<MultiRegisterState> {
  const initial: MultiRegisterState = Object.freeze(
    Object.fromEntries(Object.entries(options.initial ?? {}).map(([k, v]) => [bareName(k), v])),
  );
  return {
    name: "multi-register",
    init: () => initial,
    step(state, op) {
      // prepare() has replaced the value by the parsed micro-ops: the output's for ok ops, else the input's.
      const txn = op.input as MicroOp[];
      let next: Record<string, unknown> | undefined;
      for (const [f, k, v] of txn) {
        const current = (next ?? state)[k];
        if (f === "read") {
          if (v !== null && v !== undefined && !sameValue(v, current)) return undefined;
        } else {
          if (!next) next = { ...state };
          next[k] = v;
        }
      }
      return next ?? state;
    },
    key(state) {
      const keys = Object.keys(state).sort();
      let out = "";
      for (const k of keys) out += `${k.length}:${k}=${valueKey(state[k])};`;
      return out;
    },
    prepare(op: Operation): Operation | undefined {
      const f = bareName(op.f);
      if (f !== "txn")
        throw new ModelInputError("multi-register", op, "unknown op; multi-register knows txn");
      const txn = microOps(op.indeterminate ? op.input : (op.output ?? op.input));
      if (!txn)
        throw new ModelInputError("multi-register", op, "a txn value is a list of [read|write key value]");
      if (op.indeterminate && txn.every((m) => m[0] === "read")) return undefined; // says nothing
      return { ...op, f, input: txn };
    },
    describeOperation(op) {
      const txn = op.input as MicroOp[];
      return `txn ${txn.map(([f, k, v]) => `[${f} ${k} ${showValue(v)}]`).join(" ")}`;
    },
    describeState(state) {
      const keys = Object.keys(state).sort();
      return `{${keys.map((k) => `${k}: ${showValue(state[k])}`).join(", ")}}`;
    },
  };
}
