// The `kv` model: a map from string keys to string values with get, put and append (Porcupine's kv);
// a missing key reads as "". Partitioned by key (P-compositionality); `kv-unpartitioned` is the same
// rules checked as one map. Pure: it must never mutate a state or an operation.

import { type Model, type Operation, partitionByKey } from "./model.js";
import { bareName, ModelInputError } from "./values.js";

/** Immutable map of key -> value; keys whose value is "" are left out (they read the same as missing). */
export type KvState = Readonly<Record<string, string>>;

const EMPTY: KvState = Object.freeze({});

function asString(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : String(v);
}

function withValue(state: KvState, key: string, value: string): KvState {
  const next: Record<string, string> = { ...state };
  if (value === "") delete next[key];
  else next[key] = value;
  return next;
}

export function kvModel(options: { partitioned?: boolean } = {}): Model<KvState> {
  const partitioned = options.partitioned ?? true;
  const name = partitioned ? "kv" : "kv-unpartitioned";
  const model: Model<KvState> = {
    name,
    init: () => EMPTY,
    step(state, op) {
      const key = op.key ?? "";
      const current = state[key] ?? "";
      switch (op.f) {
        case "get":
          return asString(op.output) === current ? state : undefined;
        case "put":
          return withValue(state, key, asString(op.input));
        case "append":
          return withValue(state, key, current + asString(op.input));
        default:
          return undefined;
      }
    },
    key(state) {
      const keys = Object.keys(state);
      if (keys.length === 1) return `${keys[0].length}:${keys[0]}=${state[keys[0]]}`;
      keys.sort();
      let out = "";
      for (const k of keys) out += `${k.length}:${k}=${state[k].length}:${state[k]};`;
      return out;
    },
    prepare(op: Operation): Operation | undefined {
      const f = bareName(op.f);
      if (f === "get") return op.indeterminate ? undefined : f === op.f ? op : { ...op, f };
      if (f === "put" || f === "append") return f === op.f ? op : { ...op, f };
      throw new ModelInputError(name, op, "unknown op; kv knows get, put or append");
    },
    describeOperation(op) {
      const key = JSON.stringify(op.key ?? "");
      if (op.f === "get") return `get(${key}) -> ${JSON.stringify(asString(op.output))}`;
      return `${op.f}(${key}, ${JSON.stringify(asString(op.input))})`;
    },
    describeState(state) {
      const keys = Object.keys(state).sort();
      return `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(state[k])}`).join(", ")}}`;
    },
  };
  if (partitioned) model.partition = partitionByKey;
  return model;
}
