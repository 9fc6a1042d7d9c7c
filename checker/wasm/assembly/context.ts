// The layout of one search context and of one operation record, shared by the search, the cache,
// the tuple interner and the models. Plain memory layout only: this module must never allocate.

export const STATUS_RUNNING: i32 = 0;
export const STATUS_LINEARIZABLE: i32 = 1;
export const STATUS_ILLEGAL: i32 = 2;
export const STATUS_MEMORY: i32 = 3;

/**
 * One operation record, OP_SIZE bytes, written by the TS codec:
 * kind i32 @0, a i32 @4, b i32 @8, c i32 @12, det i32 @16 (1 = ok, 0 = info), d i32 @20 (lease-lock:
 * the owner whose identity this op observes, 0 = none), tie of the call i32 @24 and of the return
 * i32 @28 (history indexes ordering events at equal times; i32.MAX_VALUE: after every index),
 * invoke f64 @32, complete f64 @40 (Infinity for info), x f64 @48, y f64 @56.
 */
export const OP_SIZE: usize = 64;

@unmanaged
export class Ctx {
  model: i32 = 0;
  n: i32 = 0;
  words: i32 = 0;
  keys: i32 = 0;
  maxEntries: i32 = 0;
  status: i32 = 0;
  cur: i32 = 0;
  depth: i32 = 0;
  remainingDet: i32 = 0;
  bestDepth: i32 = 0;
  pendingBest: bool = false;
  prefixCount: i32 = 0;
  failOp: i32 = 0;
  failDepth: i32 = 0;
  steps: f64 = 0;
  s0: i64 = 0;
  s1: i64 = 0;
  s2: i64 = 0;
  s3: i64 = 0;
  hash: u64 = 0;
  ops: usize = 0;
  aux: usize = 0;
  order: usize = 0;
  prev: usize = 0;
  next: usize = 0;
  zob: usize = 0;
  bits: usize = 0;
  stackEntry: usize = 0;
  stackState: usize = 0;
  prefixes: usize = 0;
  prefixLens: usize = 0;
  /** lease-lock: per owner id, how many unlinearized ops observe that owner (see stepLeaseLock). */
  mentions: usize = 0;
  // memo cache: an arena of entries (hash u64, 4 x i64 state, bitset words) and a slot table
  cacheArena: usize = 0;
  cacheCount: i32 = 0;
  cacheCapacity: i32 = 0;
  cacheStride: i32 = 0;
  table: usize = 0;
  tableMask: i32 = 0;
  // while the slot table grows, the old one is still probed and moved over a few slots per insert
  oldTable: usize = 0;
  oldMask: i32 = 0;
  migrated: i32 = 0;
  // a large table's successor, allocated early and zeroed a few slots per insert before it is needed
  nextTable: usize = 0;
  nextZeroed: i32 = 0;
  // interned tuples of i32 (kv unpartitioned: one per-key state per key)
  tupArena: usize = 0;
  tupCount: i32 = 0;
  tupCapacity: i32 = 0;
  tupTable: usize = 0;
  tupMask: i32 = 0;
}
