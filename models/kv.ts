// The `kv` model: a map from string keys to string values with get, put and append (Porcupine's kv);
// a missing key reads as "". Partitioned by key (P-compositionality); `kv-unpartitioned` is the same
// rules checked as one map. Pure: it must never mutate a state or an operation; the only thing it keeps
// between calls is an intern table of the values it has built (a cache, never a semantic input).

import { type Model, type Operation, partitionByKey } from "./model.js";
import { bareName, ModelInputError } from "./values.js";

/**
 * Immutable map of key -> value id (an index into the model's table of values); keys whose value is ""
 * are left out (they read the same as missing). `id` is the memo key, made once when the state is made,
 * from the keys and the small value ids, so the search never hashes long appended strings.
 */
export interface KvState {
  readonly values: Readonly<Record<string, number>>;
  readonly id: string;
}

const EMPTY_VALUE = 0;

function asString(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : String(v);
}

/** Interns values: text by id, id by text, and id by (id, appended suffix) so appends cost O(suffix). */
class ValueTable {
  readonly texts: string[] = [""];
  private readonly byText = new Map<string, number>([["", EMPTY_VALUE]]);
  private readonly appended = new Map<number, Map<string, number>>();

  of(text: string): number {
    let id = this.byText.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.texts.push(text);
      this.byText.set(text, id);
    }
    return id;
  }

  append(base: number, suffix: string): number {
    if (suffix === "") return base;
    let children = this.appended.get(base);
    if (!children) {
      children = new Map();
      this.appended.set(base, children);
    }
    let id = children.get(suffix);
    if (id === undefined) {
      id = this.of(this.texts[base] + suffix);
      children.set(suffix, id);
    }
    return id;
  }
}

function makeState(values: Record<string, number>, sorted: boolean): KvState {
  const keys = Object.keys(values);
  if (!sorted && keys.length > 1) {
    keys.sort();
    const ordered: Record<string, number> = {};
    for (const k of keys) ordered[k] = values[k];
    values = ordered;
  }
  let id = "";
  for (const k of keys) id += `${k.length}:${k}=${values[k]};`;
  return { values, id };
}

export function kvModel(options: { partitioned?: boolean } = {}): Model<KvState> {
  const partitioned = options.partitioned ?? true;
  const name = partitioned ? "kv" : "kv-unpartitioned";
  const table = new ValueTable();
  const empty = makeState({}, true);

  function withValue(state: KvState, key: string, value: number): KvState {
    const next: Record<string, number> = { ...state.values };
    const known = key in next;
    if (value === EMPTY_VALUE) delete next[key];
    else next[key] = value;
    // Spreading keeps the (sorted) key order; only a new key needs a sort.
    return makeState(next, known || value === EMPTY_VALUE);
  }

  const model: Model<KvState> = {
    name,
    init: () => empty,
    step(state, op) {
      const key = op.key ?? "";
      const current = state.values[key] ?? EMPTY_VALUE;
      switch (op.f) {
        case "get":
          return asString(op.output) === table.texts[current] ? state : undefined;
        case "put":
          return withValue(state, key, table.of(asString(op.input)));
        case "append":
          return withValue(state, key, table.append(current, asString(op.input)));
        default:
          return undefined;
      }
    },
    key: (state) => state.id,
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
      const keys = Object.keys(state.values);
      return `{${keys.map((k) => `${JSON.stringify(k)}: ${JSON.stringify(table.texts[state.values[k]])}`).join(", ")}}`;
    },
  };
  if (partitioned) model.partition = partitionByKey;
  return model;
}
