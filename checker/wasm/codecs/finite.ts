// Codec for the built-in models with few states (register, cas-register, mutex, multi-register): it
// explores the states reachable from init() with the model's own `step` and encodes every op as a
// transition table over them, so the wasm step is one table lookup and means exactly what model.step
// means. It must never guess a model's rules; it refuses (CodecLimitError) state spaces too big to tabulate.

import type { Model, Operation } from "../../../models/model.js";
import {
  CodecLimitError,
  type EncodedPartition,
  emptyEncoding,
  MODEL_CODE,
  type ModelCodec,
} from "./codec.js";

const FINITE_MODELS = new Set(["register", "cas-register", "mutex", "multi-register"]);

/** Most (states x ops) cells tabulated before giving up. */
const MAX_CELLS = 1 << 24;

export const finiteCodec: ModelCodec = {
  matches: (model) => FINITE_MODELS.has(model.name),
  encode(model: Model, ops: readonly Operation[]): EncodedPartition {
    const n = ops.length;
    const states: unknown[] = [model.init()];
    const ids = new Map<string, number>([[model.key(states[0]), 0]]);
    const cells: number[][] = [];
    for (let s = 0; s < states.length; s++) {
      if ((s + 1) * n > MAX_CELLS) {
        throw new CodecLimitError(`${model.name}: more than ${s} reachable states over ${n} ops`);
      }
      const row = new Array<number>(n);
      for (let i = 0; i < n; i++) {
        const next = model.step(states[s], ops[i]);
        if (next === undefined) {
          row[i] = -1;
          continue;
        }
        const k = model.key(next);
        let id = ids.get(k);
        if (id === undefined) {
          id = states.length;
          ids.set(k, id);
          states.push(next);
        }
        row[i] = id;
      }
      cells.push(row);
    }
    const count = states.length;
    const enc = emptyEncoding(MODEL_CODE.table, n);
    const columns = new Map<string, number>();
    const aux: number[] = [];
    for (let i = 0; i < n; i++) {
      const column = new Array<number>(count);
      for (let s = 0; s < count; s++) column[s] = cells[s][i];
      const key = column.join(",");
      let offset = columns.get(key);
      if (offset === undefined) {
        offset = aux.length;
        columns.set(key, offset);
        for (const t of column) aux.push(t);
      }
      enc.kind[i] = 1;
      enc.b[i] = offset;
    }
    enc.aux = Int32Array.from(aux);
    return enc;
  },
};
