// The memo cache of (linearized bitset, state): an open-addressing table of indexes into an arena of
// entries. The caller passes the Zobrist hash of the bitset (already updated), so a bitset is compared
// only when the full hash and the state match. It must never hold more than ctx.maxEntries entries.

import { Ctx } from "./context";

/**
 * The caches of all live contexts together may hold at most this many bytes (wasm32 memory ends at
 * 4 GiB): a cache that would grow past it stops its search with "memory-limit" instead of trapping.
 */
const ALL_CACHES_MAX_BYTES: u64 = 3 << 30;
let allCachesBytes: u64 = 0;

@inline function cacheBytes(c: Ctx): u64 {
  return <u64>c.cacheCapacity * <u64>c.cacheStride + (<u64>c.tableMask + 1) * 4;
}

@inline function mix(x: u64): u64 {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccd;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53;
  x ^= x >> 33;
  return x;
}

@inline export function stateHash(s0: i64, s1: i64, s2: i64, s3: i64): u64 {
  return mix(<u64>s0 * 0x9e3779b97f4a7c15 + (<u64>s1 ^ 0x632be59bd9b4e019) * 0xc2b2ae3d27d4eb4f) ^ mix(<u64>s2 + rotl<u64>(<u64>s3, 29) + 0x165667b19e3779f9);
}

export function cacheInit(c: Ctx): void {
  c.cacheStride = 40 + c.words * 8;
  c.cacheCapacity = 1024;
  c.cacheArena = heap.alloc(<usize>c.cacheCapacity * <usize>c.cacheStride);
  c.cacheCount = 0;
  c.tableMask = 2047;
  c.table = heap.alloc(2048 * 4);
  memory.fill(c.table, 0, 2048 * 4);
  allCachesBytes += cacheBytes(c);
}

export function cacheFree(c: Ctx): void {
  if (c.cacheArena != 0) allCachesBytes -= cacheBytes(c);
  if (c.cacheArena != 0) heap.free(c.cacheArena);
  if (c.table != 0) heap.free(c.table);
  c.cacheArena = 0;
  c.table = 0;
}

function growTable(c: Ctx): void {
  const size = (c.tableMask + 1) * 2;
  const mask = size - 1;
  const table = heap.alloc(<usize>size * 4);
  memory.fill(table, 0, <usize>size * 4);
  const stride = <usize>c.cacheStride;
  for (let i: i32 = 0; i < c.cacheCount; i++) {
    const h = load<u64>(c.cacheArena + <usize>i * stride);
    let slot = <i32>(h ^ (h >> 32)) & mask;
    while (load<i32>(table + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
    store<i32>(table + (<usize>slot << 2), i + 1);
  }
  heap.free(c.table);
  allCachesBytes += (<u64>mask + 1 - (<u64>c.tableMask + 1)) * 4;
  c.table = table;
  c.tableMask = mask;
}

/** 1: inserted (new configuration); 0: already seen; 2: not inserted, the entry limit is reached. */
export function cacheInsertIfAbsent(c: Ctx, zobrist: u64, s0: i64, s1: i64, s2: i64, s3: i64): i32 {
  const h = zobrist ^ stateHash(s0, s1, s2, s3);
  const stride = <usize>c.cacheStride;
  const words = c.words;
  const bits = c.bits;
  const mask = c.tableMask;
  const table = c.table;
  let slot = <i32>(h ^ (h >> 32)) & mask;
  while (true) {
    const idx = load<i32>(table + (<usize>slot << 2));
    if (idx == 0) break;
    const ep = c.cacheArena + <usize>(idx - 1) * stride;
    if (load<u64>(ep) == h && load<i64>(ep, 8) == s0 && load<i64>(ep, 16) == s1 && load<i64>(ep, 24) == s2 && load<i64>(ep, 32) == s3) {
      let same = true;
      const bp = ep + 40;
      for (let w: i32 = 0; w < words; w++) {
        if (load<u64>(bp + (<usize>w << 3)) != load<u64>(bits + (<usize>w << 3))) {
          same = false;
          break;
        }
      }
      if (same) return 0;
    }
    slot = (slot + 1) & mask;
  }
  if (c.cacheCount >= c.maxEntries) return 2;
  if (c.cacheCount == c.cacheCapacity) {
    // Doubling the arena (and, soon after, the slot table) must fit in the budget of all caches.
    const extra = <u64>c.cacheCapacity * <u64>stride + (<u64>c.tableMask + 1) * 8;
    if (allCachesBytes + extra > ALL_CACHES_MAX_BYTES) return 2;
    const before = cacheBytes(c);
    const cap = c.cacheCapacity * 2;
    c.cacheArena = heap.realloc(c.cacheArena, <usize>cap * stride);
    c.cacheCapacity = cap;
    allCachesBytes += cacheBytes(c) - before;
  }
  const idx = c.cacheCount++;
  const ep = c.cacheArena + <usize>idx * stride;
  store<u64>(ep, h);
  store<i64>(ep, s0, 8);
  store<i64>(ep, s1, 16);
  store<i64>(ep, s2, 24);
  store<i64>(ep, s3, 32);
  memory.copy(ep + 40, bits, <usize>words << 3);
  store<i32>(table + (<usize>slot << 2), idx + 1);
  if (c.cacheCount * 2 > c.tableMask) growTable(c);
  return 1;
}
