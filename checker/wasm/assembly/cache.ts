// The memo cache of (linearized bitset, state): an open-addressing table of 8-byte slots (32 bits of the
// entry's hash beside its index) over an arena of entries (hash, state words, bitset). The caller passes
// the Zobrist hash of the bitset (already updated); a probe compares the slot's hash bits in the table
// itself, so an entry is read only when they match (nearly always a hit), and the state and bitset are
// compared then. Entries of one-word states (every model but lease-lock) keep no s1..s3: small slots and
// entries keep more of the cache in the CPU's caches. It must never hold more than
// ctx.maxEntries entries, and no single insert may pay for a large resize (the scheduler's time limit is
// read between slices): the arena grows by chunks that never move, and a large slot table's successor is
// zeroed and then filled a few slots per insert (a small one, under 64K slots, is rehashed at once).

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
/**
 * Slots of a large table's successor zeroed per insert, from 40% load (prepareGrowth) to the growth at
 * 50%: 0.1 x size inserts must zero 2 x size slots, so at least 20.
 */
const ZERO_PER_INSERT: i32 = 32;
/** Slot tables smaller than this are rehashed at once when they grow (see startGrowth). */
const SMALL_TABLE_SLOTS: i32 = 1 << 16;
/** Slots of a new table (8 KiB, zeroed per search: most partitions are small). */
const INITIAL_SLOTS: i32 = 1024;

// c.cacheArena is the chunk directory; c.cacheCapacity the number of entries its chunks hold.

@inline function chunkBytes(c: Ctx): u64 {
  return <u64>CHUNK_ENTRIES * <u64>c.cacheStride;
}

/**
 * Bytes per table slot: the high 32 bits of the entry's hash (u32; the slot index comes from the low
 * bits), and the entry's index + 1 (i32; 0 = empty).
 */
const SLOT_BYTES: i32 = 8;
const SLOT_SHIFT: i32 = 3;
/** Where an entry's bitset starts: after hash and s0, or after hash and s0..s3. */
const NARROW_BITS_AT: usize = 16;
const WIDE_BITS_AT: usize = 40;

@inline function cacheBytes(c: Ctx): u64 {
  return <u64>c.cacheCapacity * <u64>c.cacheStride + (<u64>c.tableMask + 1) * <u64>SLOT_BYTES;
}

@inline function slotPointer(table: usize, slot: i32): usize {
  return table + (<usize>slot << SLOT_SHIFT);
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
  return <i32>h & mask;
}

@inline function tagOf(h: u64): u32 {
  return <u32>(h >> 32);
}

/** `wide`: the states are four words (lease-lock); else s0 alone. */
export function cacheInit(c: Ctx, wide: bool): void {
  c.cacheStride = <i32>(wide ? WIDE_BITS_AT : NARROW_BITS_AT) + c.words * 8;
  // enough directory slots for every chunk maxEntries can need
  const chunks = (c.maxEntries >> CHUNK_SHIFT) + 2;
  c.cacheArena = heap.alloc(<usize>chunks << alignof<usize>());
  memory.fill(c.cacheArena, 0, <usize>chunks << alignof<usize>());
  c.cacheCapacity = 0;
  c.cacheCount = 0;
  c.tableMask = INITIAL_SLOTS - 1;
  c.table = heap.alloc(INITIAL_SLOTS * SLOT_BYTES);
  memory.fill(c.table, 0, INITIAL_SLOTS * SLOT_BYTES);
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
  if (c.nextTable != 0) {
    allCachesBytes -= <u64>grownSlots(c) * <u64>SLOT_BYTES;
    heap.free(c.nextTable);
  }
  c.cacheArena = 0;
  c.table = 0;
  c.oldTable = 0;
  c.nextTable = 0;
}

/** The size the slot table grows to: four times a small one (below SMALL_TABLE_SLOTS), twice a large one. */
@inline function grownSlots(c: Ctx): i32 {
  const size = c.tableMask + 1;
  return size < SMALL_TABLE_SLOTS ? size * 4 : size * 2;
}

/**
 * Allocate a large table's successor (grownSlots) at 40% load, so that it can be zeroed a little per
 * insert until the growth at 50%. Zeroing a large table at once page-faulted all of it inside one slice
 * (a 32 MiB table: 20-80 ms on this VM, more under load), past a 0.5 s time limit's 10%.
 */
function prepareGrowth(c: Ctx): void {
  const bytes = <u64>grownSlots(c) * <u64>SLOT_BYTES;
  c.nextTable = heap.alloc(<usize>bytes);
  c.nextZeroed = 0;
  allCachesBytes += bytes;
}

/** Zero up to `count` more slots of the prepared successor table. */
function zeroNext(c: Ctx, count: i32): void {
  const end = min(c.nextZeroed + count, grownSlots(c));
  memory.fill(slotPointer(c.nextTable, c.nextZeroed), 0, <usize>(end - c.nextZeroed) << SLOT_SHIFT);
  c.nextZeroed = end;
}

/**
 * Grow the slot table (grownSlots). A small one is rehashed at once: that costs little, and the probes
 * need not look in two tables meanwhile. A large one moves to its prepared successor (zeroed by now) and
 * is rehashed incrementally: the old table stays probed until it is moved over.
 */
function startGrowth(c: Ctx): void {
  const oldSize = c.tableMask + 1;
  const small = oldSize < SMALL_TABLE_SLOTS;
  const size = grownSlots(c);
  let table: usize;
  if (c.nextTable != 0) {
    zeroNext(c, size);
    table = c.nextTable;
    c.nextTable = 0;
    allCachesBytes -= <u64>oldSize * <u64>SLOT_BYTES;
  } else {
    table = heap.alloc(<usize>size << SLOT_SHIFT);
    memory.fill(table, 0, <usize>size << SLOT_SHIFT);
    allCachesBytes += <u64>(size - oldSize) * <u64>SLOT_BYTES;
  }
  c.oldTable = c.table;
  c.oldMask = c.tableMask;
  c.migrated = 0;
  c.table = table;
  c.tableMask = size - 1;
  if (small) migrate(c, oldSize);
}

/** Move `count` more old slots into the new table; free the old table when all are moved. */
function migrate(c: Ctx, count: i32): void {
  const end = min(c.migrated + count, c.oldMask + 1);
  const mask = c.tableMask;
  for (let s = c.migrated; s < end; s++) {
    const from = slotPointer(c.oldTable, s);
    const idx = load<i32>(from, 4);
    if (idx == 0) continue;
    let slot = slotOf(load<u64>(entryAt(c, idx - 1)), mask);
    while (load<i32>(slotPointer(c.table, slot), 4) != 0) slot = (slot + 1) & mask;
    store<u64>(slotPointer(c.table, slot), load<u64>(from));
  }
  c.migrated = end;
  if (end > c.oldMask) {
    heap.free(c.oldTable);
    c.oldTable = 0;
  }
}

/** Whether the entry at `idx` (1-based), whose hash is this configuration's, is this configuration. */
@inline function matches(c: Ctx, idx: i32, wide: bool, s0: i64, s1: i64, s2: i64, s3: i64): bool {
  const ep = entryAt(c, idx - 1);
  if (load<i64>(ep, 8) != s0) return false;
  if (wide && (load<i64>(ep, 16) != s1 || load<i64>(ep, 24) != s2 || load<i64>(ep, 32) != s3)) return false;
  const bp = ep + (wide ? WIDE_BITS_AT : NARROW_BITS_AT);
  const bits = c.bits;
  for (let w: i32 = 0; w < c.words; w++) {
    if (load<u64>(bp + (<usize>w << 3)) != load<u64>(bits + (<usize>w << 3))) return false;
  }
  return true;
}

/**
 * 1: inserted (new configuration); 0: already seen; 2: not inserted, the entry limit is reached.
 * W is the search loop's model marker (index.ts modelOf): u64 (lease-lock) hashes and compares all four
 * state words; the others, s0 alone (s1..s3 are the same in every entry of the context).
 */
@inline export function cacheInsertIfAbsent<W>(c: Ctx, zobrist: u64, s0: i64, s1: i64, s2: i64, s3: i64): i32 {
  const wide = sizeof<W>() == 8;
  const h = zobrist ^ (wide ? stateHash(s0, s1, s2, s3) : <u64>s0 * 0x9e3779b97f4a7c15);
  const mask = c.tableMask;
  const table = c.table;
  const tag = tagOf(h);
  let slot = slotOf(h, mask);
  while (true) {
    const sp = slotPointer(table, slot);
    const idx = load<i32>(sp, 4);
    if (idx == 0) break;
    if (load<u32>(sp) == tag && matches(c, idx, wide, s0, s1, s2, s3)) return 0;
    slot = (slot + 1) & mask;
  }
  // Entries not yet moved over are found in the old table (moved ones are in both: either hit is right).
  if (c.oldTable != 0) {
    let old = slotOf(h, c.oldMask);
    while (true) {
      const sp = slotPointer(c.oldTable, old);
      const idx = load<i32>(sp, 4);
      if (idx == 0) break;
      if (load<u32>(sp) == tag && matches(c, idx, wide, s0, s1, s2, s3)) return 0;
      old = (old + 1) & c.oldMask;
    }
  }
  if (c.cacheCount >= c.maxEntries) return 2;
  if (c.cacheCount == c.cacheCapacity) {
    // One more chunk (and, soon after, the grown slot table) must fit in the budget of all caches.
    const extra = chunkBytes(c) + (c.nextTable != 0 ? 0 : <u64>grownSlots(c) * <u64>SLOT_BYTES);
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
  if (wide) {
    store<i64>(ep, s1, 16);
    store<i64>(ep, s2, 24);
    store<i64>(ep, s3, 32);
  }
  // a word loop, not memory.copy: the bitset is a few words, and memory.copy is a call out of wasm code
  const bits = c.bits;
  const bp = ep + (wide ? WIDE_BITS_AT : NARROW_BITS_AT);
  for (let w: i32 = 0; w < c.words; w++) store<u64>(bp + (<usize>w << 3), load<u64>(bits + (<usize>w << 3)));
  const sp = slotPointer(table, slot);
  store<u32>(sp, tag);
  store<i32>(sp, idx + 1, 4);
  if (c.oldTable != 0) migrate(c, MIGRATE_PER_INSERT);
  else if (c.cacheCount * 2 > c.tableMask) startGrowth(c);
  else if (c.nextTable != 0) zeroNext(c, ZERO_PER_INSERT);
  else if (c.tableMask >= SMALL_TABLE_SLOTS - 1 && c.cacheCount * 5 > c.tableMask * 2) prepareGrowth(c);
  return 1;
}
