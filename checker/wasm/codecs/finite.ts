// Codec for the built-in models with few states (register, cas-register, mutex, multi-register): it
// explores the states reachable from init() with the model's own `step` and encodes every op as a
// transition table over them, so the wasm step is one table lookup and means exactly what model.step
// means. Ops that `step` cannot tell apart are tabulated once: these four models' step reads only an
// op's f, input and output (mutex: the owner it read; multi-register: the prepared micro-ops), and
// compares values by valueKey (models/values.ts), so ops whose f, determinacy, input and output have the
// same exactKey share a column. It must never guess a model's rules; it refuses (CodecLimitError)
// state spaces too big to tabulate.

import type { Model, Operation } from "../../../models/model.js";
import {
  B,
  CodecLimitError,
  type EncodedPartition,
  emptyEncoding,
  KIND,
  MODEL_CODE,
  type ModelCodec,
  RECORD_INTS,
} from "./codec.js";

const FINITE_MODELS = new Set(["register", "cas-register", "mutex", "multi-register"]);

/** Most (states x distinct ops) cells tabulated before giving up. */
const MAX_CELLS = 1 << 24;
/** Tables of at most this many cells store every column; bigger ones store equal columns once. */
const SMALL_TABLE_CELLS = 1 << 16;

/** JSON.stringify's replacer for exactKey: keeps apart inside objects what JSON would merge. */
function tagged(_key: string, v: unknown): unknown {
  switch (typeof v) {
    case "string":
      return `s${v}`;
    case "undefined":
      return "u"; // JSON: null in a list, dropped in a map; a step may return it (illegal)
    case "number":
      return Number.isFinite(v) ? v : `n${v}`; // JSON: NaN and Infinity are null
    case "bigint":
      return `b${v}`;
    case "function":
    case "symbol":
      throw new TypeError("no key");
    default:
      return v;
  }
}

/**
 * A string equal for two values only when the models cannot tell them apart: type-tagged, so 1, 1n, "1",
 * null and undefined all differ, also inside lists and maps; strings and JSON are length-prefixed and
 * lists bracketed, so keys can be concatenated. undefined when the value has no such key: its op then
 * shares no column. (A list the models compare by its JSON: equal keys mean equal JSON.)
 */
export function exactKey(v: unknown): string | undefined {
  switch (typeof v) {
    case "undefined":
      return "u";
    case "string":
      return `s${v.length}:${v}`;
    case "number":
      return `n${v};`;
    case "bigint":
      return `b${v};`;
    case "boolean":
      return v ? "t" : "f";
    case "object": {
      if (v === null) return "z";
      if (Array.isArray(v)) {
        // each item's key is self-delimiting, so a list's key needs no separators
        let out = "[";
        for (let i = 0; i < v.length; i++) {
          const item = exactKey(v[i]);
          if (item === undefined) return undefined;
          out += item;
        }
        return `${out}]`;
      }
      try {
        const json = JSON.stringify(v, tagged);
        return `j${json.length}:${json}`;
      } catch {
        return undefined;
      }
    }
    default:
      return undefined;
  }
}

/** What the finite models' step reads of an op, as one string; undefined when it cannot be keyed. */
function opSignature(op: Operation): string | undefined {
  const input = exactKey(op.input);
  if (input === undefined) return undefined;
  const output = exactKey(op.output);
  if (output === undefined) return undefined;
  return `${op.f.length}:${op.f}${op.indeterminate ? "i" : "d"}${input}${output}`;
}

export const finiteCodec: ModelCodec = {
  matches: (model) => FINITE_MODELS.has(model.name),
  encode(model: Model, ops: readonly Operation[]): EncodedPartition {
    const n = ops.length;
    // The distinct ops, and which one each op is.
    const distinct: Operation[] = [];
    const distinctOf: number[] = new Array(n);
    const bySignature = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      const signature = opSignature(op);
      let d = signature === undefined ? undefined : bySignature.get(signature);
      if (d === undefined) {
        d = distinct.length;
        distinct.push(op);
        if (signature !== undefined) bySignature.set(signature, d);
      }
      distinctOf[i] = d;
    }
    const m = distinct.length;
    // The reachable states, breadth first; cells[s * m + j]: the state after distinct op j from s, or -1.
    const states: unknown[] = [model.init()];
    const ids = new Map<string, number>([[model.key(states[0]), 0]]);
    const cells: number[] = [];
    for (let s = 0; s < states.length; s++) {
      if ((s + 1) * m > MAX_CELLS) {
        throw new CodecLimitError(`${model.name}: more than ${s} reachable states over ${m} distinct ops`);
      }
      const state = states[s];
      for (let j = 0; j < m; j++) {
        const next = model.step(state, distinct[j]);
        if (next === undefined) {
          cells.push(-1);
          continue;
        }
        if (Object.is(next, state)) {
          // the very same state (a read): same key, no need to compute it
          cells.push(s);
          continue;
        }
        const k = model.key(next);
        let id = ids.get(k);
        if (id === undefined) {
          id = states.length;
          ids.set(k, id);
          states.push(next);
        }
        cells.push(id);
      }
    }
    // One column of next states per distinct op; in a big table, equal columns are stored once (keyed by
    // their text: slower than storing them all, which small tables do).
    const count = states.length;
    const dedupe = count * m > SMALL_TABLE_CELLS;
    const columns = new Map<string, number>();
    const offsets: number[] = new Array(m);
    const aux: number[] = [];
    const column = new Array<number>(count);
    for (let j = 0; j < m; j++) {
      for (let s = 0; s < count; s++) column[s] = cells[s * m + j];
      const key = dedupe ? column.join(",") : "";
      let offset = dedupe ? columns.get(key) : undefined;
      if (offset === undefined) {
        offset = aux.length;
        if (dedupe) columns.set(key, offset);
        for (let s = 0; s < count; s++) aux.push(column[s]);
      }
      offsets[j] = offset;
    }
    const enc = emptyEncoding(MODEL_CODE.table, ops);
    const r = enc.records;
    for (let i = 0; i < n; i++) {
      r[i * RECORD_INTS + KIND] = 1;
      r[i * RECORD_INTS + B] = offsets[distinctOf[i]];
    }
    enc.aux = aux;
    return enc;
  },
};
