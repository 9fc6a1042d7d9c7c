// The built-in models' `step` on integer-encoded states and op records (see context.ts for the record
// layout and checker/wasm/codecs/ for the encodings). Semantics must equal models/*.ts exactly; the
// property tests in test/checker/engines-agree.test.ts hold them together. Never allocate here.

import { Ctx } from "./context";
import { internScratch, tuplePointer, tupleScratch } from "./tuples";

export const OP_KIND: usize = 0;
export const OP_A: usize = 4;
export const OP_B: usize = 8;
export const OP_C: usize = 12;
export const OP_DET: usize = 16;
export const OP_D: usize = 20;
/** The history indexes that break ties in time between calls and between returns (see context.ts). */
export const OP_TIE_CALL: usize = 24;
export const OP_TIE_RETURN: usize = 28;
export const OP_INVOKE: usize = 32;
export const OP_COMPLETE: usize = 40;
export const OP_X: usize = 48;

export const MODEL_OWNER_MUTEX: i32 = 3;
export const MODEL_LEASE_LOCK: i32 = 4;
export const MODEL_KV: i32 = 5;
export const MODEL_TABLE: i32 = 6;

/** The next state after a successful step (globals, so the search loop needs no allocation). */
export let g0: i64 = 0;
export let g1: i64 = 0;
export let g2: i64 = 0;
export let g3: i64 = 0;
/** lease-lock: the linearization point of the last step, before `now` is made canonical. */
export let gPoint: f64 = 0;

// table (register, cas-register, mutex, multi-register): s0 = state id; kind 1: b = offset in aux of
// the op's column of next states (-1: illegal), as tabulated by codecs/finite.ts with the TS model's step.
@inline function stepTable(c: Ctx, rec: usize, s0: i64): bool {
  if (load<i32>(rec, OP_KIND) != 1) return false;
  const t = load<i32>(c.aux + (<usize>(load<i32>(rec, OP_B) + <i32>s0) << 2));
  g0 = <i64>t;
  return t >= 0;
}

// owner-mutex: s0 = holder id (0 = none), owners are >= 1. kinds: 1 acquire by a, 2 release by a,
// 3 owner read = a (0 = none), 4 renew by a, 0 never legal.
function stepOwnerMutex(rec: usize, s0: i64): bool {
  const kind = load<i32>(rec, OP_KIND);
  const a = <i64>load<i32>(rec, OP_A);
  g0 = s0;
  if (kind == 1) {
    g0 = a;
    return s0 == 0;
  }
  if (kind == 2) {
    g0 = 0;
    return s0 == a;
  }
  if (kind == 3 || kind == 4) return s0 == a;
  return false;
}

// lease-lock (models/lease-lock.ts): s0 = holder (0 none), s1 = rank of the last fencing token (-1 none),
// s2 = expLo (f64 bits; -Infinity when free), s3 = now (f64 bits). Each op is placed at the earliest
// feasible point p: base = max(now, invoke); an op that needs the holder's lease to have ended waits
// until max(base, expLo); p must be <= complete (Infinity for info ops).
// kinds: 1 acquire by a, token rank b (-1: unfenced or none), x = its expLo; 2 renew by a, x = invoke +
// minimum lease; 3 release by a; 4 owner read = a (0 = none); 0 never legal.
function stepLeaseLockRaw(rec: usize, s0: i64, s1: i64, s2: i64, s3: i64): bool {
  const kind = load<i32>(rec, OP_KIND);
  const a = <i64>load<i32>(rec, OP_A);
  const expLo = reinterpret<f64>(s2);
  const now = reinterpret<f64>(s3);
  const invoke = load<f64>(rec, OP_INVOKE);
  const complete = load<f64>(rec, OP_COMPLETE);
  const base = now > invoke ? now : invoke;
  const afterExpiry = expLo > base ? expLo : base;
  g0 = s0;
  g1 = s1;
  g2 = s2;
  if (kind == 1) {
    const p = s0 == 0 ? base : afterExpiry;
    if (p > complete) return false;
    const token = <i64>load<i32>(rec, OP_B);
    if (token >= 0) {
      if (s1 >= 0 && token <= s1) return false;
      g1 = token;
    }
    g0 = a;
    g2 = reinterpret<i64>(load<f64>(rec, OP_X));
    g3 = reinterpret<i64>(p);
    return true;
  }
  if (kind == 2) {
    if (s0 != a || base > complete) return false;
    const e = load<f64>(rec, OP_X);
    if (e > expLo) g2 = reinterpret<i64>(e);
    g3 = reinterpret<i64>(base);
    return true;
  }
  if (kind == 3) {
    const p = s0 == 0 || s0 == a ? base : afterExpiry;
    if (p > complete) return false;
    g0 = 0;
    g2 = reinterpret<i64>(-Infinity);
    g3 = reinterpret<i64>(p);
    return true;
  }
  if (kind == 4) {
    if (a == s0) {
      if (base > complete) return false;
      g3 = reinterpret<i64>(base);
      return true;
    }
    if (a != 0 || afterExpiry > complete) return false;
    g0 = 0;
    g2 = reinterpret<i64>(-Infinity);
    g3 = reinterpret<i64>(afterExpiry);
    return true;
  }
  return false;
}

/**
 * A lease-lock step, then the state made canonical for the memo (both rewrites keep every future the
 * same, given the ops not yet linearized):
 * - a holder whose lease may have ended by now (expLo <= now), and whom no remaining op observes (no
 *   renew or release by it, no owner read returning it), acts exactly like no holder: every op that
 *   needs the lease to have ended gets p = max(now, invoke) either way;
 * - `now` no later than the earliest invocation still to place (`minInvoke`) constrains nothing.
 */
function stepLeaseLock(c: Ctx, rec: usize, s0: i64, s1: i64, s2: i64, s3: i64, minInvoke: f64): bool {
  if (!stepLeaseLockRaw(rec, s0, s1, s2, s3)) return false;
  gPoint = reinterpret<f64>(g3);
  const holder = g0;
  if (holder != 0 && reinterpret<f64>(g2) <= reinterpret<f64>(g3)) {
    let observers = load<i32>(c.mentions + (<usize>holder << 2));
    if (<i64>load<i32>(rec, OP_D) == holder) observers--;
    if (observers == 0) {
      g0 = 0;
      g2 = reinterpret<i64>(-Infinity);
    }
  }
  if (reinterpret<f64>(g3) <= minInvoke) g3 = reinterpret<i64>(-Infinity);
  return true;
}

// kv: per-key states are dense ints precomputed by the codec (0 = "", the last = "dead": a string no
// get of that key can ever match). One key: s0 is that key's state; several: s0 is an interned tuple.
// kinds: 1 get (c key, a = required state, -2 = none reachable), 2 put (c key, a = state),
// 3 append (c key, b = offset in aux of the transition table over the key's states), 0 never legal.
function stepKv(c: Ctx, rec: usize, s0: i64): bool {
  const kind = load<i32>(rec, OP_KIND);
  g0 = s0;
  if (kind == 0) return false;
  const multi = c.keys > 1;
  const key = load<i32>(rec, OP_C);
  const state: i32 = multi ? load<i32>(tuplePointer(c, <i32>s0) + (<usize>key << 2)) : <i32>s0;
  let nextState: i32;
  if (kind == 1) return state == load<i32>(rec, OP_A);
  if (kind == 2) nextState = load<i32>(rec, OP_A);
  else nextState = load<i32>(c.aux + (<usize>(load<i32>(rec, OP_B) + state) << 2));
  if (nextState == state) return true;
  if (!multi) {
    g0 = <i64>nextState;
    return true;
  }
  const scratch = tupleScratch(c);
  memory.copy(scratch, tuplePointer(c, <i32>s0), <usize>c.keys << 2);
  store<i32>(scratch + (<usize>key << 2), nextState);
  g0 = <i64>internScratch(c);
  return true;
}

/**
 * The step of a model whose state is s0 alone (every model but lease-lock): it sets g0 only. `model` is a
 * constant where the search loop inlines it, so no dispatch is left.
 */
@inline export function stepNarrow(model: i32, c: Ctx, rec: usize, s0: i64): bool {
  if (model == MODEL_TABLE) return stepTable(c, rec, s0);
  if (model == MODEL_KV) return stepKv(c, rec, s0);
  if (model == MODEL_OWNER_MUTEX) return stepOwnerMutex(rec, s0);
  return false;
}

@inline export function stepModel(c: Ctx, rec: usize, s0: i64, s1: i64, s2: i64, s3: i64, minInvoke: f64): bool {
  const model = c.model;
  g1 = s1;
  g2 = s2;
  g3 = s3;
  if (model == MODEL_TABLE) return stepTable(c, rec, s0);
  if (model == MODEL_KV) return stepKv(c, rec, s0);
  if (model == MODEL_LEASE_LOCK) return stepLeaseLock(c, rec, s0, s1, s2, s3, minInvoke);
  if (model == MODEL_OWNER_MUTEX) return stepOwnerMutex(rec, s0);
  return false;
}

/** For kv with several keys: intern the all-"" tuple; it is the initial state (id 0). */
export function kvInitialTuple(c: Ctx): i32 {
  memory.fill(tupleScratch(c), 0, <usize>c.keys << 2);
  return internScratch(c);
}
