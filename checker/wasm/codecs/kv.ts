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
  appends: Set<string>;
  states?: Map<string, number>;
  dead?: number;
  appendOffset?: Map<string, number>;
}

/** The gets that are not a prefix of another get (every prefix of a get is a prefix of one of these). */
function maximalGets(gets: readonly string[]): string[] {
  const sorted = [...new Set(gets)].sort();
  return sorted.filter((g, i) => i + 1 === sorted.length || !sorted[i + 1].startsWith(g));
}

/**
 * Numbers the reachable states of one key ("" = 0) and records the appends between them: walks each
 * maximal get from the positions where "" and the put values end, matching the key's append values.
 * Returns the states (string -> id) and, per append value, its transitions (from id -> to id).
 */
function reachable(plan: KeyPlan): { states: Map<string, number>; moves: Map<string, Map<number, number>> } {
  const states = new Map<string, number>([["", 0]]);
  const moves = new Map<string, Map<number, number>>();
  const byLength = new Map<number, Set<string>>();
  for (const x of plan.appends) {
    let set = byLength.get(x.length);
    if (!set) {
      set = new Set();
      byLength.set(x.length, set);
    }
    set.add(x);
    moves.set(x, new Map());
  }
  const lengths = [...byLength.keys()];
  for (const g of maximalGets(plan.gets)) {
    const ids = new Int32Array(g.length + 1).fill(-1);
    const idAt = (p: number): number => {
      if (ids[p] < 0) {
        const prefix = g.slice(0, p);
        let id = states.get(prefix);
        if (id === undefined) {
          id = states.size;
          states.set(prefix, id);
        }
        ids[p] = id;
      }
      return ids[p];
    };
    const queue: number[] = [0];
    const seen = new Uint8Array(g.length + 1);
    seen[0] = 1;
    for (const v of plan.puts) {
      if (v.length <= g.length && !seen[v.length] && g.startsWith(v)) {
        idAt(v.length);
        seen[v.length] = 1;
        queue.push(v.length);
      }
    }
    for (let q = 0; q < queue.length; q++) {
      const p = queue[q];
      for (const len of lengths) {
        if (p + len > g.length) continue;
        const x = g.substr(p, len);
        if (!byLength.get(len)!.has(x)) continue;
        moves.get(x)!.set(idAt(p), idAt(p + len));
        if (!seen[p + len]) {
          seen[p + len] = 1;
          queue.push(p + len);
        }
      }
    }
  }
  return { states, moves };
}

export const kvCodec: ModelCodec = {
  matches: (model) => model.name === "kv" || model.name === "kv-unpartitioned",
  encode(_model: Model, ops: readonly Operation[]): EncodedPartition {
    const plans = new Map<string, KeyPlan>();
    const planOf = (op: Operation): KeyPlan => {
      const key = op.key ?? "";
      let plan = plans.get(key);
      if (!plan) {
        plan = { index: plans.size, gets: [], puts: [], appends: new Set() };
        plans.set(key, plan);
      }
      return plan;
    };
    for (const op of ops) {
      const plan = planOf(op);
      if (op.f === "get") plan.gets.push(asString(op.output));
      else if (op.f === "put") plan.puts.push(asString(op.input));
      else if (op.f === "append") plan.appends.add(asString(op.input));
    }
    const aux: number[] = [];
    for (const plan of plans.values()) {
      const { states, moves } = reachable(plan);
      const dead = states.size;
      plan.states = states;
      plan.dead = dead;
      plan.appendOffset = new Map();
      for (const [x, move] of moves) {
        const offset = aux.length;
        plan.appendOffset.set(x, offset);
        for (let s = 0; s <= dead; s++) aux.push(dead);
        for (const [from, to] of move) aux[offset + from] = to;
      }
    }
    const enc = emptyEncoding(MODEL_CODE.kv, ops);
    const r = enc.records;
    for (let i = 0; i < ops.length; i++) {
      const op = ops[i];
      const at = i * RECORD_INTS;
      const plan = planOf(op);
      const states = plan.states as Map<string, number>;
      r[at + C] = plan.index;
      if (op.f === "get") {
        r[at + KIND] = KV_KIND.get;
        r[at + A] = states.get(asString(op.output)) ?? -2;
      } else if (op.f === "put") {
        r[at + KIND] = KV_KIND.put;
        r[at + A] = states.get(asString(op.input)) ?? (plan.dead as number);
      } else if (op.f === "append") {
        r[at + KIND] = KV_KIND.append;
        r[at + B] = plan.appendOffset?.get(asString(op.input)) as number;
      } else {
        r[at + KIND] = KV_KIND.never;
      }
    }
    enc.keys = Math.max(1, plans.size);
    enc.aux = Int32Array.from(aux);
    return enc;
  },
};
