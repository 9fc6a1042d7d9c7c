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
  /** The maximal gets, sorted; filled by reachable(). */
  maximal: string[];
  /** Each distinct get -> the index of the maximal get it is a prefix of. */
  owner: Map<string, number>;
  /** Per maximal get, the state id of each of its prefixes by length (-1: unreachable). */
  idsOf: Int32Array[];
  /** Number of reachable states ("" = 0); the dead state is this number. */
  states: number;
  /** Offset in aux of this key's first append row; each row has states + 1 entries (the last: dead). */
  rows: number;
}

/**
 * The gets that are not a prefix of another get, sorted (every prefix of a get is a prefix of one of these),
 * and for each distinct get, the index of the maximal get it is a prefix of. In sorted order a string that
 * is a prefix of any other is a prefix of the next one, so each get's maximal get is found walking back.
 */
function maximalGets(gets: readonly string[]): { maximal: string[]; owner: Map<string, number> } {
  const sorted = [...new Set(gets)].sort();
  // the sorted index of the maximal get each get extends to
  const top = new Int32Array(sorted.length);
  for (let i = sorted.length - 1; i >= 0; i--) {
    top[i] = i + 1 < sorted.length && sorted[i + 1].startsWith(sorted[i]) ? top[i + 1] : i;
  }
  const maximal: string[] = [];
  const indexOf = new Map<number, number>();
  for (let i = 0; i < sorted.length; i++) {
    if (top[i] === i) {
      indexOf.set(i, maximal.length);
      maximal.push(sorted[i]);
    }
  }
  const owner = new Map<string, number>();
  for (let i = 0; i < sorted.length; i++) owner.set(sorted[i], indexOf.get(top[i]) as number);
  return { maximal, owner };
}

function commonPrefixLength(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  let i = 0;
  while (i < n && a.charCodeAt(i) === b.charCodeAt(i)) i++;
  return i;
}

/**
 * Numbers the reachable states of one key ("" = 0) and returns the appends between them as flat triples
 * (append row, from id, to id): walks each maximal get from the positions where "" and the put values end,
 * matching the key's append values. A state is a prefix of a maximal get; in sorted order, the prefixes a
 * get shares with any earlier one are exactly those it shares with the one before it (up to their common
 * prefix), and reachability up to there depends only on those characters, so those ids are copied from it
 * and no prefix string is ever built or hashed.
 */
function reachable(plan: KeyPlan): number[] {
  const moves: number[] = [];
  const lengths: number[] = [];
  for (const x of plan.appends.keys()) if (!lengths.includes(x.length)) lengths.push(x.length);
  const { maximal, owner } = maximalGets(plan.gets);
  plan.maximal = maximal;
  plan.owner = owner;
  const longest = Math.max(0, ...lengths);
  let next = 1;
  let previous = "";
  let previousIds: Int32Array | undefined;
  for (const g of plan.maximal) {
    const ids = new Int32Array(g.length + 1).fill(-1);
    const queued = new Uint8Array(g.length + 1);
    const queue: number[] = [];
    // positions up to `shared` were walked with the previous get: same ids, same appends between them;
    // only those whose appends may reach past `shared` are walked again
    const shared = previousIds ? commonPrefixLength(previous, g) : 0;
    if (previousIds) ids.set(previousIds.subarray(0, shared + 1));
    ids[0] = 0;
    for (let p = 0; p <= shared; p++) {
      if (ids[p] < 0) continue;
      queued[p] = 1;
      if (p + longest > shared || p === 0) queue.push(p);
    }
    const idAt = (p: number) => {
      if (ids[p] < 0) ids[p] = next++;
      return ids[p];
    };
    for (const v of plan.puts) {
      if (v.length <= g.length && queued[v.length] === 0 && g.startsWith(v)) {
        queued[v.length] = 1;
        idAt(v.length);
        queue.push(v.length);
      }
    }
    for (let q = 0; q < queue.length; q++) {
      const p = queue[q];
      const from = idAt(p);
      for (const len of lengths) {
        const to = p + len;
        if (to > g.length || (to <= shared && previousIds)) continue;
        const row = plan.appends.get(g.substr(p, len));
        if (row === undefined) continue;
        if (queued[to] === 0) {
          queued[to] = 1;
          queue.push(to);
        }
        moves.push(row, from, idAt(to));
      }
    }
    plan.idsOf.push(ids);
    previous = g;
    previousIds = ids;
  }
  plan.states = next;
  return moves;
}

/** The state id of string `s` for this key, or undefined when it is no reachable prefix of a get. */
function stateOf(plan: KeyPlan, s: string): number | undefined {
  if (s === "") return 0;
  const known = plan.owner.get(s);
  if (known !== undefined) {
    const id = plan.idsOf[known][s.length];
    return id >= 0 ? id : undefined;
  }
  // the first maximal get >= s starts with s, if any does
  const gets = plan.maximal;
  let lo = 0;
  let hi = gets.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (gets[mid] < s) lo = mid + 1;
    else hi = mid;
  }
  if (lo === gets.length || !gets[lo].startsWith(s)) return undefined;
  const id = plan.idsOf[lo][s.length];
  return id >= 0 ? id : undefined;
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
        plan = {
          index: plans.size,
          gets: [],
          puts: [],
          appends: new Map(),
          maximal: [],
          owner: new Map(),
          idsOf: [],
          states: 0,
          rows: 0,
        };
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
      size += plan.appends.size * (plan.states + 1);
    }
    const aux = new Int32Array(size);
    let k = 0;
    for (const plan of plans.values()) {
      const dead = plan.states;
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
        r[at + A] = stateOf(plan, asString(op.output)) ?? -2;
      } else if (op.f === "put") {
        r[at + KIND] = KV_KIND.put;
        r[at + A] = stateOf(plan, asString(op.input)) ?? plan.states;
      } else if (op.f === "append") {
        r[at + KIND] = KV_KIND.append;
        const row = plan.appends.get(asString(op.input)) as number;
        r[at + B] = plan.rows + row * (plan.states + 1);
      } else {
        r[at + KIND] = KV_KIND.never;
      }
    }
    enc.keys = Math.max(1, plans.size);
    enc.aux = aux;
    return enc;
  },
};
