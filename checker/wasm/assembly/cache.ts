// The memo cache of (linearized bitset, state): an open-addressing table of indexes into an arena of
// entries. The caller passes the Zobrist hash of the bitset (already updated), so a bitset is compared
// only when the full hash and the state match. It must never hold more than ctx.maxEntries entries, and
// no single insert may pay for a whole resize (the scheduler's time limit is read between slices): the
// arena grows by chunks that never move, and the slot table is rehashed a few slots per insert.

import { Ctx } from "./context";

/**
 * The caches of all live contexts together may hold at most this many bytes (wasm32 memory ends at
 * 4 GiB): a cache that would grow past it stops its search with "memory-limit" instead of trapping.
 */
const ALL_CACHES_MAX_BYTES: u64 = 3 << 30;
let allCachesBytes: u64 = 0;

/** Entries per arena chunk (a power of two); the chunk directory holds one pointer per chunk. */
const CHUNK_SHIFT: i32 = 14;
const CHUNK_ENTRIES: i32 = 1 << CHUNK_SHIFT;
const CHUNK_MASK: i32 = CHUNK_ENTRIES - 1;
/** Old-table slots moved to the new table per insert while a rehash is under way (>= 2 suffices). */
const MIGRATE_PER_INSERT: i32 = 8;

// c.cacheArena is the chunk directory; c.cacheCapacity the number of entries its chunks hold.

@inline function chunkBytes(c: Ctx): u64 {
  return <u64>CHUNK_ENTRIES * <u64>c.cacheStride;
}

@inline function cacheBytes(c: Ctx): u64 {
  return <u64>c.cacheCapacity * <u64>c.cacheStride + (<u64>c.tableMask + 1) * 4;
}

@inline function entryAt(c: Ctx, idx: i32): usize {
  return load<usize>(c.cacheArena + (<usize>(idx >> CHUNK_SHIFT) << alignof<usize>())) +
    <usize>(idx & CHUNK_MASK) * <usize>c.cacheStride;
}

/**
 * The state's part of an entry's hash: four independent multiplies (short latency; the Zobrist hash it is
 * combined with is already uniform). Each product's high bits depend on every bit of its state word, and
 * the rotations spread them over the whole hash. Quality only affects speed: a hit is always confirmed
 * by comparing the entry itself.
 */
@inline export function stateHash(s0: i64, s1: i64, s2: i64, s3: i64): u64 {
  return (
    <u64>s0 * 0x9e3779b97f4a7c15 ^
    rotl<u64>(<u64>s1 * 0xc2b2ae3d27d4eb4f, 21) ^
    rotl<u64>(<u64>s2 * 0xff51afd7ed558ccd, 37) ^
    rotl<u64>(<u64>s3 * 0xc4ceb9fe1a85ec53, 53)
  );
}

@inline function slotOf(h: u64, mask: i32): i32 {
  return <i32>(h ^ (h >> 32)) & mask;
}

export function cacheInit(c: Ctx): void {
  c.cacheStride = 40 + c.words * 8;
  // enough directory slots for every chunk maxEntries can need
  const chunks = (c.maxEntries >> CHUNK_SHIFT) + 2;
  c.cacheArena = heap.alloc(<usize>chunks << alignof<usize>());
  memory.fill(c.cacheArena, 0, <usize>chunks << alignof<usize>());
  c.cacheCapacity = 0;
  c.cacheCount = 0;
  c.tableMask = 2047;
  c.table = heap.alloc(2048 * 4);
  memory.fill(c.table, 0, 2048 * 4);
  c.oldTable = 0;
  c.oldMask = 0;
  c.migrated = 0;
  allCachesBytes += cacheBytes(c);
}

export function cacheFree(c: Ctx): void {
  if (c.cacheArena != 0) {
    allCachesBytes -= cacheBytes(c);
    const chunks = c.cacheCapacity >> CHUNK_SHIFT;
    for (let i: i32 = 0; i < chunks; i++) heap.free(load<usize>(c.cacheArena + (<usize>i << alignof<usize>())));
    heap.free(c.cacheArena);
  }
  if (c.table != 0) heap.free(c.table);
  if (c.oldTable != 0) heap.free(c.oldTable);
  c.cacheArena = 0;
  c.table = 0;
  c.oldTable = 0;
}

/** Start a rehash into a table twice the size; the old table stays probed until it is moved over. */
function startGrowth(c: Ctx): void {
  const size = (c.tableMask + 1) * 2;
  const table = heap.alloc(<usize>size * 4);
  memory.fill(table, 0, <usize>size * 4);
  allCachesBytes += <u64>(c.tableMask + 1) * 4;
  c.oldTable = c.table;
  c.oldMask = c.tableMask;
  c.migrated = 0;
  c.table = table;
  c.tableMask = size - 1;
}

/** Move a few more old slots into the new table; free the old table when all are moved. */
function migrate(c: Ctx): void {
  const end = min(c.migrated + MIGRATE_PER_INSERT, c.oldMask + 1);
  const mask = c.tableMask;
  for (let s = c.migrated; s < end; s++) {
    const idx = load<i32>(c.oldTable + (<usize>s << 2));
    if (idx == 0) continue;
    let slot = slotOf(load<u64>(entryAt(c, idx - 1)), mask);
    while (load<i32>(c.table + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
    store<i32>(c.table + (<usize>slot << 2), idx);
  }
  c.migrated = end;
  if (end > c.oldMask) {
    heap.free(c.oldTable);
    c.oldTable = 0;
  }
}

/** Whether the entry at `idx` (1-based) is this configuration. */
@inline function matches(c: Ctx, idx: i32, h: u64, s0: i64, s1: i64, s2: i64, s3: i64): bool {
  const ep = entryAt(c, idx - 1);
  if (load<u64>(ep) != h || load<i64>(ep, 8) != s0 || load<i64>(ep, 16) != s1 || load<i64>(ep, 24) != s2 || load<i64>(ep, 32) != s3) return false;
  const bp = ep + 40;
  const bits = c.bits;
  for (let w: i32 = 0; w < c.words; w++) {
    if (load<u64>(bp + (<usize>w << 3)) != load<u64>(bits + (<usize>w << 3))) return false;
  }
  return true;
}

/** 1: inserted (new configuration); 0: already seen; 2: not inserted, the entry limit is reached. */
export function cacheInsertIfAbsent(c: Ctx, zobrist: u64, s0: i64, s1: i64, s2: i64, s3: i64): i32 {
  const h = zobrist ^ stateHash(s0, s1, s2, s3);
  const mask = c.tableMask;
  const table = c.table;
  let slot = slotOf(h, mask);
  while (true) {
    const idx = load<i32>(table + (<usize>slot << 2));
    if (idx == 0) break;
    if (matches(c, idx, h, s0, s1, s2, s3)) return 0;
    slot = (slot + 1) & mask;
  }
  // Entries not yet moved over are found in the old table (moved ones are in both: either hit is right).
  if (c.oldTable != 0) {
    let old = slotOf(h, c.oldMask);
    while (true) {
      const idx = load<i32>(c.oldTable + (<usize>old << 2));
      if (idx == 0) break;
      if (matches(c, idx, h, s0, s1, s2, s3)) return 0;
      old = (old + 1) & c.oldMask;
    }
  }
  if (c.cacheCount >= c.maxEntries) return 2;
  if (c.cacheCount == c.cacheCapacity) {
    // One more chunk (and, soon after, a doubled slot table) must fit in the budget of all caches.
    const extra = chunkBytes(c) + (<u64>c.tableMask + 1) * 8;
    if (allCachesBytes + extra > ALL_CACHES_MAX_BYTES) return 2;
    const chunk = heap.alloc(<usize>chunkBytes(c));
    store<usize>(c.cacheArena + (<usize>(c.cacheCapacity >> CHUNK_SHIFT) << alignof<usize>()), chunk);
    c.cacheCapacity += CHUNK_ENTRIES;
    allCachesBytes += chunkBytes(c);
  }
  const idx = c.cacheCount++;
  const ep = entryAt(c, idx);
  store<u64>(ep, h);
  store<i64>(ep, s0, 8);
  store<i64>(ep, s1, 16);
  store<i64>(ep, s2, 24);
  store<i64>(ep, s3, 32);
  memory.copy(ep + 40, c.bits, <usize>c.words << 3);
  store<i32>(table + (<usize>slot << 2), idx + 1);
  if (c.oldTable != 0) migrate(c);
  else if (c.cacheCount * 2 > c.tableMask) startGrowth(c);
  return 1;
}
