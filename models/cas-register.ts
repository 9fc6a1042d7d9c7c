// The `cas-register` model: one register with read, write v and cas [old, new] (Knossos's and
// Porcupine's etcd model). Pure: it must never mutate a state or an operation.

import type { Model, Operation } from "./model.js";
import { bareName, ModelInputError, sameValue, showValue, valueKey } from "./values.js";

export interface RegisterOptions {
  /** The register's value before the first op (default null, "nil"). */
  initial?: unknown;
  /**
   * Knossos's rule: a read that returns nil matches any value (Knossos histories record reads whose
   * value is unknown as nil). Default false: a nil read means the register was nil (Porcupine's rule).
   */
  nilReadMatchesAny?: boolean;
}

type RegisterState = unknown;

/** Builds a register model; `withCas` adds the cas op (`cas-register`), without it this is `register`. */
export function makeRegisterModel(
  name: string,
  withCas: boolean,
  options: RegisterOptions = {},
): Model<RegisterState> {
  const initial = options.initial ?? null;
  const nilMatchesAny = options.nilReadMatchesAny ?? false;
  const known = withCas ? "read, write or cas" : "read or write";
  return {
    name,
    init: () => initial,
    step(state, op) {
      switch (op.f) {
        case "read": {
          const v = op.output;
          if (v === null || v === undefined) {
            return nilMatchesAny || state === null || state === undefined ? state : undefined;
          }
          return sameValue(v, state) ? state : undefined;
        }
        case "write":
          return op.input === undefined ? (op.output ?? null) : op.input;
        case "cas": {
          const pair = op.input as [unknown, unknown];
          return sameValue(pair[0], state) ? pair[1] : undefined;
        }
        default:
          return undefined;
      }
    },
    key: (state) => valueKey(state),
    prepare(op: Operation): Operation | undefined {
      const f = bareName(op.f);
      if (f === "read") return op.indeterminate ? undefined : f === op.f ? op : { ...op, f };
      if (f === "write" || (withCas && f === "cas")) {
        if (f === "cas" && !(Array.isArray(op.input) && op.input.length === 2)) {
          throw new ModelInputError(name, op, "cas needs the value [old, new]");
        }
        return f === op.f ? op : { ...op, f };
      }
      throw new ModelInputError(name, op, `unknown op; ${name} knows ${known}`);
    },
    describeOperation(op) {
      if (op.f === "read") return `read -> ${op.indeterminate ? "?" : showValue(op.output)}`;
      if (op.f === "cas") {
        const [a, b] = op.input as [unknown, unknown];
        return `cas ${showValue(a)} -> ${showValue(b)}`;
      }
      return `write ${showValue(op.input)}`;
    },
    describeState: (state) => showValue(state),
  };
}

export function casRegisterModel(options: RegisterOptions = {}): Model<RegisterState> {
  return makeRegisterModel("cas-register", true, options);
}
