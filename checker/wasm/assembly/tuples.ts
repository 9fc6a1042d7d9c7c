// Interning of fixed-width i32 tuples to dense ids (the unpartitioned kv state: one per-key state per
// key). Ids are stable for the life of a context; tuples are freed only with the context.

import { Ctx } from "./context";

@inline function hashTuple(p: usize, k: i32): u64 {
  let h: u64 = 0xcbf29ce484222325;
  for (let i: i32 = 0; i < k; i++) {
    h = (h ^ <u64>load<u32>(p + (<usize>i << 2))) * 0x100000001b3;
    h ^= h >> 29;
  }
  return h;
}

/** Scratch space for one tuple, sized for ctx.keys ints, reused between calls. */
export function tupleScratch(c: Ctx): usize {
  return c.tupArena; // slot 0 of the arena is scratch
}

export function tupleInit(c: Ctx): void {
  const k = <usize>c.keys;
  c.tupCapacity = 256;
  c.tupArena = heap.alloc((<usize>c.tupCapacity + 1) * k * 4);
  memory.fill(c.tupArena, 0, (<usize>c.tupCapacity + 1) * k * 4);
  c.tupCount = 0;
  c.tupMask = 511;
  c.tupTable = heap.alloc(512 * 4);
  memory.fill(c.tupTable, 0, 512 * 4);
}

export function tupleFree(c: Ctx): void {
  if (c.tupArena != 0) heap.free(c.tupArena);
  if (c.tupTable != 0) heap.free(c.tupTable);
  c.tupArena = 0;
  c.tupTable = 0;
}

/** Pointer to the ints of tuple `id`. */
@inline export function tuplePointer(c: Ctx, id: i32): usize {
  return c.tupArena + (<usize>(id + 1) * <usize>c.keys << 2);
}

function growTuples(c: Ctx): void {
  const k = <usize>c.keys;
  const cap = c.tupCapacity * 2;
  c.tupArena = heap.realloc(c.tupArena, (<usize>cap + 1) * k * 4);
  c.tupCapacity = cap;
  const size = (c.tupMask + 1) * 2;
  const mask = size - 1;
  heap.free(c.tupTable);
  const table = heap.alloc(<usize>size * 4);
  memory.fill(table, 0, <usize>size * 4);
  for (let i: i32 = 0; i < c.tupCount; i++) {
    let slot = <i32>hashTuple(tuplePointer(c, i), c.keys) & mask;
    while (load<i32>(table + (<usize>slot << 2)) != 0) slot = (slot + 1) & mask;
    store<i32>(table + (<usize>slot << 2), i + 1);
  }
  c.tupTable = table;
  c.tupMask = mask;
}

/** The id of the tuple now in the scratch slot, interning it if new. */
export function internScratch(c: Ctx): i32 {
  const k = c.keys;
  const scratch = c.tupArena;
  const h = hashTuple(scratch, k);
  const mask = c.tupMask;
  let slot = <i32>h & mask;
  while (true) {
    const idx = load<i32>(c.tupTable + (<usize>slot << 2));
    if (idx == 0) break;
    if (memory.compare(tuplePointer(c, idx - 1), scratch, <usize>k << 2) == 0) return idx - 1;
    slot = (slot + 1) & mask;
  }
  if (c.tupCount == c.tupCapacity) {
    growTuples(c);
    return internScratch(c);
  }
  const id = c.tupCount++;
  memory.copy(tuplePointer(c, id), c.tupArena, <usize>k << 2);
  store<i32>(c.tupTable + (<usize>slot << 2), id + 1);
  if (c.tupCount * 2 > c.tupMask) growTuples(c);
  return id;
}
