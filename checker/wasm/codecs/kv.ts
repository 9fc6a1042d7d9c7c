// Codec for `kv` and `kv-unpartitioned` (models/kv.ts). Per key, the only strings that matter are the
// prefixes of that key's get outputs: any other string can never match a get again until a put, so all
// of them are one "dead" state. The codec finds the states reachable from "" and the put values by
// appends, numbers them ("" = 0, dead = last) and tabulates each distinct append over them, so wasm never
// builds a string. With several keys the wasm state is an interned tuple of per-key states.
// It must never change what the model means.

import type { Model, Operation } from "../../../models/model.js";
import {
  A,
  B,
  C,
  type EncodedPartition,
  emptyEncoding,
  KIND,
  MODEL_CODE,
  type ModelCodec,
  RECORD_INTS,
} from "./codec.js";

export const KV_KIND = { never: 0, get: 1, put: 2, append: 3 } as const;

function asString(v: unknown): string {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : String(v);
}

interface KeyPlan {
  index: number;
  gets: string[];
  puts: string[];
  /** Each distinct append value -> its row among this key's rows of aux, in order of first appearance. */
  appends: Map<string, number>;
  /** Reachable states (prefixes of gets) -> id; filled by reachable(). */
  states: Map<string, number>;
  /** Offset in aux of this key's first append row; each row has states.size + 1 entries (the last: dead). */
  rows: number;
}

/** The gets that are not a prefix of another get (every prefix of a get is a prefix of one of these). */
function maximalGets(gets: readonly string[]): string[] {
  const sorted = [...new Set(gets)].sort();
  return sorted.filter((g, i) => i + 1 === sorted.length || !sorted[i + 1].startsWith(g));
}

/** The id of the prefix of `g` of length `p`, numbered on first sight. */
function prefixId(states: Map<string, number>, g: string, ids: Int32Array, p: number): number {
  let id = ids[p];
  if (id < 0) {
    const prefix = g.slice(0, p);
    id = states.get(prefix) ?? -1;
    if (id < 0) {
      id = states.size;
      states.set(prefix, id);
    }
    ids[p] = id;
  }
  return id;
}

/**
 * Numbers the reachable states of one key ("" = 0) into plan.states and returns the appends between
 * them as flat triples (append row, from id, to id): walks each maximal get from the positions where ""
 * and the put values end, matching the key's append values.
 */
function reachable(plan: KeyPlan): number[] {
  const states = plan.states;
  states.set("", 0);
  const moves: number[] = [];
  const lengths: number[] = [];
  for (const x of plan.appends.keys()) if (!lengths.includes(x.length)) lengths.push(x.length);
  for (const g of maximalGets(plan.gets)) {
    // ids[p] >= 0: the prefix of length p is reached (and queued once)
    const ids = new Int32Array(g.length + 1).fill(-1);
    ids[0] = 0;
    const queue: number[] = [0];
    for (const v of plan.puts) {
      if (v.length <= g.length && ids[v.length] < 0 && g.startsWith(v)) {
        prefixId(states, g, ids, v.length);
        queue.push(v.length);
      }
    }
    for (let q = 0; q < queue.length; q++) {
      const p = queue[q];
      const from = ids[p];
      for (const len of lengths) {
        const to = p + len;
        if (to > g.length) continue;
        const row = plan.appends.get(g.substr(p, len));
        if (row === undefined) continue;
        if (ids[to] < 0) queue.push(to);
        moves.push(row, from, prefixId(states, g, ids, to));
      }
    }
  }
  return moves;
}

export const kvCodec: ModelCodec = {
  matches: (model) => model.name === "kv" || model.name === "kv-unpartitioned",
  encode(_model: Model, ops: readonly Operation[]): EncodedPartition {
    const n = ops.length;
    const plans = new Map<string, KeyPlan>();
    const planOf: KeyPlan[] = new Array(n);
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      const key = op.key ?? "";
      let plan = plans.get(key);
      if (!plan) {
        plan = { index: plans.size, gets: [], puts: [], appends: new Map(), states: new Map(), rows: 0 };
        plans.set(key, plan);
      }
      planOf[i] = plan;
      if (op.f === "get") plan.gets.push(asString(op.output));
      else if (op.f === "put") plan.puts.push(asString(op.input));
      else if (op.f === "append") {
        const x = asString(op.input);
        if (!plan.appends.has(x)) plan.appends.set(x, plan.appends.size);
      }
    }
    // Each append row starts all dead (an append from dead, or onto no get's prefix, stays dead).
    const found: number[][] = [];
    let size = 0;
    for (const plan of plans.values()) {
      found.push(reachable(plan));
      plan.rows = size;
      size += plan.appends.size * (plan.states.size + 1);
    }
    const aux = new Int32Array(size);
    let k = 0;
    for (const plan of plans.values()) {
      const dead = plan.states.size;
      const width = dead + 1;
      aux.fill(dead, plan.rows, plan.rows + plan.appends.size * width);
      const moves = found[k++];
      for (let t = 0; t < moves.length; t += 3)
        aux[plan.rows + moves[t] * width + moves[t + 1]] = moves[t + 2];
    }
    const enc = emptyEncoding(MODEL_CODE.kv, ops);
    const r = enc.records;
    for (let i = 0; i < n; i++) {
      const op = ops[i];
      const at = i * RECORD_INTS;
      const plan = planOf[i];
      r[at + C] = plan.index;
      if (op.f === "get") {
        r[at + KIND] = KV_KIND.get;
        r[at + A] = plan.states.get(asString(op.output)) ?? -2;
      } else if (op.f === "put") {
        r[at + KIND] = KV_KIND.put;
        r[at + A] = plan.states.get(asString(op.input)) ?? plan.states.size;
      } else if (op.f === "append") {
        r[at + KIND] = KV_KIND.append;
        const row = plan.appends.get(asString(op.input)) as number;
        r[at + B] = plan.rows + row * (plan.states.size + 1);
      } else {
        r[at + KIND] = KV_KIND.never;
      }
    }
    enc.keys = Math.max(1, plans.size);
    enc.aux = aux;
    return enc;
  },
};
