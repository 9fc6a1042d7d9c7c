// The WebAssembly linearizability search (DESIGN.md section 3): Wing & Gong / Lowe just-in-time
// linearization with a memo of (linearized set, state), for the built-in models with integer states.
// Many independent search contexts may be alive at once (one per partition); each is a raw block of
// memory addressed by its pointer, created by `create` and released by `release`.
// This module must never call out to JS during a search, and never allocate managed objects in the loop.

import { stepModel, stepNarrow, g0, g1, g2, g3, gPoint, OP_COMPLETE, OP_DET, OP_D, OP_INVOKE, OP_TIE_CALL, OP_TIE_RETURN, MODEL_KV, MODEL_LEASE_LOCK, MODEL_OWNER_MUTEX, MODEL_TABLE, kvInitialTuple } from "./models";
import { Ctx, OP_SIZE, STATUS_RUNNING, STATUS_LINEARIZABLE, STATUS_ILLEGAL, STATUS_MEMORY } from "./context";
import { cacheInsertIfAbsent, cacheInit, cacheFree } from "./cache";
import { tupleFree, tupleInit } from "./tuples";

export { OP_SIZE } from "./context";

const MAX_PREFIXES: i32 = 4;

function splitmix(state: u64): u64 {
  let z = state + 0x9e3779b97f4a7c15;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
  z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
  return z ^ (z >> 31);
}

function zalloc(bytes: usize): usize {
  const p = heap.alloc(bytes > 0 ? bytes : 8);
  memory.fill(p, 0, bytes);
  return p;
}

/**
 * Create a search context for `n` operations of `model`. The caller then fills the op records
 * (opsPointer), the aux ints (auxPointer) and the entry order (orderPointer), and calls `start`.
 */
export function create(model: i32, n: i32, auxInts: i32, keys: i32, maxEntries: i32): usize {
  const c = changetype<Ctx>(zalloc(offsetof<Ctx>()));
  c.model = model;
  c.n = n;
  c.words = (n + 63) >> 6;
  c.keys = keys;
  c.maxEntries = maxEntries;
  c.ops = zalloc(<usize>n * OP_SIZE);
  c.aux = zalloc(<usize>auxInts * 4);
  c.order = zalloc(<usize>(2 * n) * 4);
  c.prev = zalloc(<usize>(2 * n + 1) * 4);
  c.next = zalloc(<usize>(2 * n + 1) * 4);
  c.zob = zalloc(<usize>n * 8);
  c.bits = zalloc(<usize>c.words * 8);
  c.stackEntry = zalloc(<usize>n * 4 + 4);
  c.stackState = zalloc(<usize>n * 32 + 32);
  c.prefixes = zalloc(<usize>MAX_PREFIXES * (<usize>n + 1) * 4);
  c.prefixLens = zalloc(<usize>MAX_PREFIXES * 4);
  c.failOp = -1;
  c.failDepth = -1;
  if (model == MODEL_LEASE_LOCK) c.mentions = zalloc(<usize>keys * 4 + 4);
  return changetype<usize>(c);
}

export function opsPointer(ctx: usize): usize {
  return changetype<Ctx>(ctx).ops;
}
export function auxPointer(ctx: usize): usize {
  return changetype<Ctx>(ctx).aux;
}
export function orderPointer(ctx: usize): usize {
  return changetype<Ctx>(ctx).order;
}

/** Event codes: 2i is the call of op i, 2i + 1 its return. Whether event a comes before event b in real time. */
@inline function eventBefore(ops: usize, a: i32, b: i32): bool {
  const ra = ops + <usize>(a >> 1) * OP_SIZE;
  const rb = ops + <usize>(b >> 1) * OP_SIZE;
  const ta = load<f64>(ra + ((a & 1) == 0 ? OP_INVOKE : OP_COMPLETE));
  const tb = load<f64>(rb + ((b & 1) == 0 ? OP_INVOKE : OP_COMPLETE));
  if (ta != tb) return ta < tb;
  const ia = load<i32>(ra + ((a & 1) == 0 ? OP_TIE_CALL : OP_TIE_RETURN));
  const ib = load<i32>(rb + ((b & 1) == 0 ? OP_TIE_CALL : OP_TIE_RETURN));
  if (ia != ib) return ia < ib;
  if ((a & 1) != (b & 1)) return (a & 1) == 0;
  return a < b;
}

/**
 * Writes the real-time order of the 2n events (as codes + 1) to c.order, the order of
 * checker/operations.ts realTimeEvents: by time, then tie index, calls before returns, then code. The
 * usual case costs no sort: calls already in order, returns nearly so (insertion sort within a budget
 * of moves), merged; otherwise a merge sort. Uses c.next (2n + 1 ints) as scratch.
 */
function orderEvents(c: Ctx): void {
  const n = c.n;
  const ops = c.ops;
  const order = c.order;
  const scratch = c.next;
  let easy = true;
  for (let i: i32 = 1; i < n && easy; i++) if (!eventBefore(ops, 2 * i - 2, 2 * i)) easy = false;
  if (easy) {
    // the returns, insertion-sorted into scratch
    let budget: i64 = <i64>n * 8 + 64;
    for (let i: i32 = 0; i < n && easy; i++) {
      const r = 2 * i + 1;
      let j = i;
      while (j > 0 && eventBefore(ops, r, load<i32>(scratch + (<usize>(j - 1) << 2)))) {
        store<i32>(scratch + (<usize>j << 2), load<i32>(scratch + (<usize>(j - 1) << 2)));
        j--;
        if (--budget < 0) {
          easy = false;
          break;
        }
      }
      store<i32>(scratch + (<usize>j << 2), r);
    }
  }
  if (easy) {
    let call: i32 = 0;
    let k: i32 = 0;
    let out: i32 = 0;
    while (call < n && k < n) {
      const r = load<i32>(scratch + (<usize>k << 2));
      if (eventBefore(ops, 2 * call, r)) {
        store<i32>(order + (<usize>(out++) << 2), 2 * call + 1);
        call++;
      } else {
        store<i32>(order + (<usize>(out++) << 2), r + 1);
        k++;
      }
    }
    while (call < n) {
      store<i32>(order + (<usize>(out++) << 2), 2 * call + 1);
      call++;
    }
    while (k < n) {
      store<i32>(order + (<usize>(out++) << 2), load<i32>(scratch + (<usize>k << 2)) + 1);
      k++;
    }
    return;
  }
  // bottom-up merge sort of the codes, between order and scratch
  const m = 2 * n;
  for (let e: i32 = 0; e < m; e++) store<i32>(order + (<usize>e << 2), e);
  let src = order;
  let dst = scratch;
  for (let width: i32 = 1; width < m; width <<= 1) {
    for (let lo: i32 = 0; lo < m; lo += 2 * width) {
      const mid = min(lo + width, m);
      const hi = min(lo + 2 * width, m);
      let a = lo;
      let b = mid;
      let out = lo;
      while (a < mid && b < hi) {
        const x = load<i32>(src + (<usize>a << 2));
        const y = load<i32>(src + (<usize>b << 2));
        if (eventBefore(ops, y, x)) {
          store<i32>(dst + (<usize>(out++) << 2), y);
          b++;
        } else {
          store<i32>(dst + (<usize>(out++) << 2), x);
          a++;
        }
      }
      while (a < mid) store<i32>(dst + (<usize>(out++) << 2), load<i32>(src + (<usize>(a++) << 2)));
      while (b < hi) store<i32>(dst + (<usize>(out++) << 2), load<i32>(src + (<usize>(b++) << 2)));
    }
    const t = src;
    src = dst;
    dst = t;
  }
  for (let e: i32 = 0; e < m; e++) store<i32>(order + (<usize>e << 2), load<i32>(src + (<usize>e << 2)) + 1);
}

/**
 * Order the entries (from the op records when `orderGiven` is 0, else as the caller wrote them to
 * orderPointer), link them, set the initial state, seed the Zobrist keys.
 */
export function start(ctx: usize, s0: i32, s1: i32, s2: f64, s3: f64, seed: f64, orderGiven: i32): void {
  const c = changetype<Ctx>(ctx);
  if (orderGiven == 0) orderEvents(c);
  const m = 2 * c.n;
  let last: i32 = 0;
  for (let i: i32 = 0; i < m; i++) {
    const e = load<i32>(c.order + (<usize>i << 2));
    store<i32>(c.prev + (<usize>e << 2), last);
    store<i32>(c.next + (<usize>last << 2), e);
    last = e;
  }
  store<i32>(c.next + (<usize>last << 2), 0);
  store<i32>(c.prev, last);
  let z: u64 = <u64>seed ^ 0x2545f4914f6cdd1d;
  let det: i32 = 0;
  for (let i: i32 = 0; i < c.n; i++) {
    z = splitmix(z);
    store<u64>(c.zob + (<usize>i << 3), z);
    if (load<i32>(c.ops + <usize>i * OP_SIZE + OP_DET) != 0) det++;
    if (c.mentions != 0) {
      const d = load<i32>(c.ops + <usize>i * OP_SIZE + OP_D);
      if (d > 0) store<i32>(c.mentions + (<usize>d << 2), load<i32>(c.mentions + (<usize>d << 2)) + 1);
    }
  }
  c.remainingDet = det;
  c.s0 = <i64>s0;
  c.s1 = <i64>s1;
  c.s2 = reinterpret<i64>(s2);
  c.s3 = reinterpret<i64>(s3);
  c.cur = load<i32>(c.next);
  c.status = STATUS_RUNNING;
  cacheInit(c, c.model == MODEL_LEASE_LOCK);
  if (c.model == MODEL_KV && c.keys > 1) {
    tupleInit(c);
    c.s0 = <i64>kvInitialTuple(c);
  }
}

@inline function lift(c: Ctx, e: i32): void {
  // a call e and its return e + 1
  const prev = c.prev;
  const next = c.next;
  const pe = load<i32>(prev + (<usize>e << 2));
  const ne = load<i32>(next + (<usize>e << 2));
  store<i32>(next + (<usize>pe << 2), ne);
  store<i32>(prev + (<usize>ne << 2), pe);
  const r = e + 1;
  const pr = load<i32>(prev + (<usize>r << 2));
  const nr = load<i32>(next + (<usize>r << 2));
  store<i32>(next + (<usize>pr << 2), nr);
  store<i32>(prev + (<usize>nr << 2), pr);
}

@inline function unlift(c: Ctx, e: i32): void {
  const prev = c.prev;
  const next = c.next;
  const r = e + 1;
  const pr = load<i32>(prev + (<usize>r << 2));
  const nr = load<i32>(next + (<usize>r << 2));
  store<i32>(next + (<usize>pr << 2), r);
  store<i32>(prev + (<usize>nr << 2), r);
  const pe = load<i32>(prev + (<usize>e << 2));
  const ne = load<i32>(next + (<usize>e << 2));
  store<i32>(next + (<usize>pe << 2), e);
  store<i32>(prev + (<usize>ne << 2), e);
}

/** The completion time of the earliest return still in the list, other than that of call `e`. */
function firstDeadline(c: Ctx, e: i32): f64 {
  const next = c.next;
  let x = load<i32>(next);
  while (x != 0) {
    if ((x & 1) == 0 && x != e + 1) return load<f64>(c.ops + <usize>((x - 2) >> 1) * OP_SIZE + OP_COMPLETE);
    x = load<i32>(next + (<usize>x << 2));
  }
  return Infinity;
}

function recordPrefix(c: Ctx): void {
  if (c.pendingBest) {
    c.prefixCount = 0;
    c.pendingBest = false;
  }
  if (c.prefixCount >= MAX_PREFIXES) return;
  const slot = c.prefixCount++;
  const depth = c.depth;
  const base = c.prefixes + <usize>slot * (<usize>c.n + 1) * 4;
  for (let i: i32 = 0; i < depth; i++) {
    const e = load<i32>(c.stackEntry + (<usize>i << 2));
    store<i32>(base + (<usize>i << 2), (e - 1) >> 1);
  }
  store<i32>(c.prefixLens + (<usize>slot << 2), depth);
}

// The search loop's compile-time model: a type whose size names the model (AssemblyScript specializes a
// generic function per type, and sizeof<M>() is a constant there).
type TableModel = u8;
type KvModel = u16;
type OwnerMutexModel = u32;
type LeaseLockModel = u64;

@inline function modelOf<M>(): i32 {
  const size = sizeof<M>();
  return size == 1 ? MODEL_TABLE : size == 2 ? MODEL_KV : size == 4 ? MODEL_OWNER_MUTEX : MODEL_LEASE_LOCK;
}

/** Run at most `maxSteps` more steps (one step = one call tried). Returns the status. */
export function run(ctx: usize, maxSteps: f64): i32 {
  const c = changetype<Ctx>(ctx);
  if (c.status != STATUS_RUNNING) return c.status;
  // The budget is made an integer here, once: inside the loop V8 recomputed the conversion every step.
  const budget: i64 = maxSteps >= 9.0e18 ? i64.MAX_VALUE : <i64>maxSteps;
  const model = c.model;
  if (model == MODEL_TABLE) return search<TableModel>(c, budget);
  if (model == MODEL_KV) return search<KvModel>(c, budget);
  if (model == MODEL_OWNER_MUTEX) return search<OwnerMutexModel>(c, budget);
  return search<LeaseLockModel>(c, budget);
}

/**
 * The search loop, compiled once per built-in model (M, see modelOf): the model's step is inlined without a
 * dispatch, and every model but lease-lock has a state of one word, s0 (s1..s3 keep their initial values
 * for the whole search, so they are neither stepped, stacked, hashed nor compared: fewer live values, no
 * spills in the loop).
 */
function search<M>(c: Ctx, budget: i64): i32 {
  const model = modelOf<M>();
  const wide = model == MODEL_LEASE_LOCK;
  const next = c.next;
  const ops = c.ops;
  const zob = c.zob;
  const bits = c.bits;
  const stackEntry = c.stackEntry;
  const stackState = c.stackState;
  let taken: i64 = 0;
  let cur = c.cur;
  let s0 = c.s0;
  let s1 = c.s1;
  let s2 = c.s2;
  let s3 = c.s3;
  let hash = c.hash;
  let depth = c.depth;
  let remainingDet = c.remainingDet;
  let status = STATUS_RUNNING;
  const lease = wide;
  const mentions = c.mentions;
  while (true) {
    if (remainingDet == 0) {
      status = STATUS_LINEARIZABLE;
      break;
    }
    if ((cur & 1) == 1) {
      // a call entry
      if (taken >= budget) break;
      taken++;
      const op = (cur - 1) >> 1;
      const rec = ops + <usize>op * OP_SIZE;
      let minInvoke: f64 = -Infinity;
      if (lease) {
        // The earliest call left once this op is lifted: the list is in time order, so skip its own entries.
        let first = load<i32>(next);
        if (first == cur) first = load<i32>(next + (<usize>first << 2));
        if (first == cur + 1) first = load<i32>(next + (<usize>first << 2));
        minInvoke = first == 0 ? Infinity : load<f64>(ops + <usize>((first - 1) >> 1) * OP_SIZE + OP_INVOKE);
      }
      const det = load<i32>(rec + OP_DET) != 0;
      if (
        (wide ? stepModel(c, rec, s0, s1, s2, s3, minInvoke) : stepNarrow(model, c, rec, s0)) &&
        // An info op that changes nothing (lease-lock: nothing but a later `now`) need never be placed.
        (det || g0 != s0 || (wide && (g1 != s1 || g2 != s2))) &&
        // lease-lock: placed this late, some other op could no longer complete in time: a dead end.
        (!lease || gPoint <= firstDeadline(c, cur))
      ) {
        const wordPtr = bits + (<usize>(op >> 6) << 3);
        const bit: u64 = (<u64>1) << (<u64>(op & 63));
        const h = hash ^ load<u64>(zob + (<usize>op << 3));
        store<u64>(wordPtr, load<u64>(wordPtr) | bit);
        const inserted = cacheInsertIfAbsent<M>(c, h, g0, wide ? g1 : 0, wide ? g2 : 0, wide ? g3 : 0);
        if (inserted == 1) {
          store<i32>(stackEntry + (<usize>depth << 2), cur);
          const sp = stackState + (<usize>depth << 5);
          store<i64>(sp, s0);
          if (wide) {
            store<i64>(sp, s1, 8);
            store<i64>(sp, s2, 16);
            store<i64>(sp, s3, 24);
          }
          depth++;
          s0 = g0;
          if (wide) {
            s1 = g1;
            s2 = g2;
            s3 = g3;
          }
          hash = h;
          lift(c, cur);
          if (det) remainingDet--;
          if (mentions != 0) {
            const d = load<i32>(rec + OP_D);
            if (d > 0) store<i32>(mentions + (<usize>d << 2), load<i32>(mentions + (<usize>d << 2)) - 1);
          }
          if (depth > c.bestDepth) {
            c.bestDepth = depth;
            c.pendingBest = true;
          }
          cur = load<i32>(next);
        } else {
          store<u64>(wordPtr, load<u64>(wordPtr) & ~bit);
          if (inserted == 2) {
            status = STATUS_MEMORY;
            break;
          }
          cur = load<i32>(next + (<usize>cur << 2));
        }
      } else {
        cur = load<i32>(next + (<usize>cur << 2));
      }
    } else {
      // a return entry: its op was not linearized in time; backtrack
      const op = (cur - 2) >> 1;
      if (depth > c.failDepth) {
        c.failDepth = depth;
        c.failOp = op;
      }
      if (depth == 0) {
        status = STATUS_ILLEGAL;
        break;
      }
      if (depth == c.bestDepth) {
        c.depth = depth;
        recordPrefix(c);
      }
      depth--;
      const e = load<i32>(stackEntry + (<usize>depth << 2));
      const sp = stackState + (<usize>depth << 5);
      s0 = load<i64>(sp);
      if (wide) {
        s1 = load<i64>(sp, 8);
        s2 = load<i64>(sp, 16);
        s3 = load<i64>(sp, 24);
      }
      const pop = (e - 1) >> 1;
      const wordPtr = bits + (<usize>(pop >> 6) << 3);
      store<u64>(wordPtr, load<u64>(wordPtr) & ~((<u64>1) << (<u64>(pop & 63))));
      hash ^= load<u64>(zob + (<usize>pop << 3));
      unlift(c, e);
      if (load<i32>(ops + <usize>pop * OP_SIZE + OP_DET) != 0) remainingDet++;
      if (mentions != 0) {
        const d = load<i32>(ops + <usize>pop * OP_SIZE + OP_D);
        if (d > 0) store<i32>(mentions + (<usize>d << 2), load<i32>(mentions + (<usize>d << 2)) + 1);
      }
      cur = load<i32>(next + (<usize>e << 2));
    }
  }
  c.cur = cur;
  c.s0 = s0;
  c.s1 = s1;
  c.s2 = s2;
  c.s3 = s3;
  c.hash = hash;
  c.depth = depth;
  c.remainingDet = remainingDet;
  c.steps += <f64>taken;
  c.status = status;
  return status;
}

export function steps(ctx: usize): f64 {
  return changetype<Ctx>(ctx).steps;
}
export function cacheEntries(ctx: usize): i32 {
  return changetype<Ctx>(ctx).cacheCount;
}
export function prefixCount(ctx: usize): i32 {
  return changetype<Ctx>(ctx).prefixCount;
}
export function prefixLength(ctx: usize, k: i32): i32 {
  return load<i32>(changetype<Ctx>(ctx).prefixLens + (<usize>k << 2));
}
/** Pointer to prefix k: op indexes (positions in the partition's op list), in linearization order. */
export function prefixPointer(ctx: usize, k: i32): usize {
  const c = changetype<Ctx>(ctx);
  return c.prefixes + <usize>k * (<usize>c.n + 1) * 4;
}
/** The op index whose return was reached on the deepest path without it being linearized. */
export function failingOp(ctx: usize): i32 {
  return changetype<Ctx>(ctx).failOp;
}

/** Release every block the context holds. */
export function release(ctx: usize): void {
  const c = changetype<Ctx>(ctx);
  cacheFree(c);
  tupleFree(c);
  heap.free(c.ops);
  heap.free(c.aux);
  heap.free(c.order);
  heap.free(c.prev);
  heap.free(c.next);
  heap.free(c.zob);
  heap.free(c.bits);
  heap.free(c.stackEntry);
  heap.free(c.stackState);
  heap.free(c.prefixes);
  heap.free(c.prefixLens);
  if (c.mentions != 0) heap.free(c.mentions);
  heap.free(ctx);
}

/** Current size of the wasm memory, bytes (for tests of boundedness). */
export function memoryBytes(): f64 {
  return <f64>memory.size() * 65536.0;
}
