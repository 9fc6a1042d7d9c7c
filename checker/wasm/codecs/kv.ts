// Codec for `kv` and `kv-unpartitioned` (models/kv.ts). Per key, the only strings that matter are the
// prefixes of that key's get outputs: any other string can never match a get again until a put, so all
// of them are one "dead" state. The codec finds the states reachable from "" and the put values by
// appends, numbers them ("" = 0, dead = last) and tabulates each distinct append over them, so wasm never
// builds a string. With several keys the wasm state is an interned tuple of per-key states.
// It must never change what the model means.

import type { Model, Operation } from "../../../models/model.js";
import { type EncodedPartition, emptyEncoding, MODEL_CODE, type ModelCodec } from "./codec.js";

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

/** Whether `t` is a prefix of some string in `sorted` (ascending). */
function isPrefixOfAny(sorted: readonly string[], t: string): boolean {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < t) lo = mid + 1;
    else hi = mid;
  }
  return lo < sorted.length && sorted[lo].startsWith(t);
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
      const gets = [...new Set(plan.gets)].sort();
      const states = new Map<string, number>([["", 0]]);
      const queue: string[] = [""];
      for (const v of plan.puts) {
        if (!states.has(v) && isPrefixOfAny(gets, v)) {
          states.set(v, states.size);
          queue.push(v);
        }
      }
      const appends = [...plan.appends];
      for (let q = 0; q < queue.length; q++) {
        for (const x of appends) {
          const t = queue[q] + x;
          if (!states.has(t) && isPrefixOfAny(gets, t)) {
            states.set(t, states.size);
            queue.push(t);
          }
        }
      }
      const dead = states.size;
      plan.states = states;
      plan.dead = dead;
      plan.appendOffset = new Map();
      for (const x of appends) {
        plan.appendOffset.set(x, aux.length);
        for (const s of queue) aux.push(states.get(s + x) ?? dead);
        aux.push(dead);
      }
    }
    const enc = emptyEncoding(MODEL_CODE.kv, ops.length);
    ops.forEach((op, i) => {
      const plan = planOf(op);
      const states = plan.states as Map<string, number>;
      enc.c[i] = plan.index;
      if (op.f === "get") {
        enc.kind[i] = KV_KIND.get;
        enc.a[i] = states.get(asString(op.output)) ?? -2;
      } else if (op.f === "put") {
        enc.kind[i] = KV_KIND.put;
        enc.a[i] = states.get(asString(op.input)) ?? (plan.dead as number);
      } else if (op.f === "append") {
        enc.kind[i] = KV_KIND.append;
        enc.b[i] = plan.appendOffset?.get(asString(op.input)) as number;
      } else {
        enc.kind[i] = KV_KIND.never;
      }
    });
    enc.keys = Math.max(1, plans.size);
    enc.aux = Int32Array.from(aux);
    return enc;
  },
};
