// The TS engine's memo cache: a set of (linearized-ops bitset, model state id) configurations, keyed by an
// incremental 64-bit Zobrist hash of the bitset. Open addressing over typed arrays; every bitset is
// copied into an arena of fixed chunks (no object per entry, so the GC has nothing to trace), and bitsets
// are compared word by word on a hash match, so a hash collision can never prune a configuration wrongly.
// No single insert may pay for a whole resize (the scheduler reads the clock between slices of steps):
// chunks never move, and a large slot table is moved to its successor a few slots per insert.
// It must never know about models or the search beyond these three numbers and a bitset.

/** A slot's state id + 1; 0 = empty (fresh typed arrays are zero, so a new table needs no fill). */
const EMPTY = 0;
/** Entries per arena chunk (a power of two). */
const CHUNK_SHIFT = 14;
const CHUNK_MASK = (1 << CHUNK_SHIFT) - 1;
/** Entries the first chunk holds at first (it doubles up to a whole chunk: most searches are small). */
const FIRST_CHUNK = 32;
/** Old-table slots moved per insert while the table grows (>= 2 suffices: it doubles at half load). */
const MIGRATE_PER_INSERT = 8;
/** Tables smaller than this are rehashed at once (cheap, and the probe need not look in two tables). */
const SMALL_TABLE_SLOTS = 1 << 16;

export class MemoTable {
  private mask: number;
  private hashLo: Int32Array;
  private hashHi: Int32Array;
  /** Slot -> state id + 1, or EMPTY. */
  private ids: Int32Array;
  /** Slot -> entry number; the entry's bitset is in chunk entry >> CHUNK_SHIFT. */
  private entries: Int32Array;
  private readonly chunks: Uint32Array[] = [];
  /** While the table grows: the old table (moved over a few slots per insert), and how far it is moved. */
  private oldMask = 0;
  private oldLo: Int32Array | undefined;
  private oldHi: Int32Array | undefined;
  private oldIds: Int32Array | undefined;
  private oldEntries: Int32Array | undefined;
  private migrated = 0;
  size = 0;

  constructor(
    private readonly words: number,
    initialCapacity = 1024,
  ) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.mask = cap - 1;
    this.hashLo = new Int32Array(cap);
    this.hashHi = new Int32Array(cap);
    this.ids = new Int32Array(cap);
    this.entries = new Int32Array(cap);
  }

  /** Adds the configuration; returns false (and adds nothing) when it was already there. */
  insertIfAbsent(lo: number, hi: number, stateId: number, bits: Uint32Array): boolean {
    const ids = this.ids;
    const id = stateId + 1;
    const hash = slotOf(lo, hi, stateId);
    let slot = hash & this.mask;
    for (;;) {
      const at = ids[slot];
      if (at === EMPTY) break;
      if (
        at === id &&
        this.hashLo[slot] === lo &&
        this.hashHi[slot] === hi &&
        this.holds(this.entries[slot], bits)
      ) {
        return false;
      }
      slot = (slot + 1) & this.mask;
    }
    // Entries not yet moved are found in the old table (moved ones are in both: either hit is right).
    if (this.oldIds !== undefined && this.inOld(hash, id, lo, hi, bits)) return false;
    const entry = this.size++;
    this.store(entry, bits);
    ids[slot] = id;
    this.hashLo[slot] = lo;
    this.hashHi[slot] = hi;
    this.entries[slot] = entry;
    if (this.oldIds !== undefined) this.migrate(MIGRATE_PER_INSERT);
    else if (this.size * 2 > this.mask) this.grow();
    return true;
  }

  /** Whether entry `entry`'s bitset is `bits`. */
  private holds(entry: number, bits: Uint32Array): boolean {
    const words = this.words;
    const chunk = this.chunks[entry >>> CHUNK_SHIFT];
    const base = (entry & CHUNK_MASK) * words;
    for (let w = 0; w < words; w++) if (chunk[base + w] !== bits[w]) return false;
    return true;
  }

  private inOld(hash: number, id: number, lo: number, hi: number, bits: Uint32Array): boolean {
    const ids = this.oldIds as Int32Array;
    let slot = hash & this.oldMask;
    for (;;) {
      const at = ids[slot];
      if (at === EMPTY) return false;
      if (
        at === id &&
        (this.oldLo as Int32Array)[slot] === lo &&
        (this.oldHi as Int32Array)[slot] === hi &&
        this.holds((this.oldEntries as Int32Array)[slot], bits)
      ) {
        return true;
      }
      slot = (slot + 1) & this.oldMask;
    }
  }

  /** Copy `bits` into the arena as entry `entry` (the next one). */
  private store(entry: number, bits: Uint32Array): void {
    const words = this.words;
    const c = entry >>> CHUNK_SHIFT;
    const at = (entry & CHUNK_MASK) * words;
    if (c === this.chunks.length) {
      this.chunks.push(new Uint32Array(Math.max(1, words) * (c === 0 ? FIRST_CHUNK : CHUNK_MASK + 1)));
    } else if (at + words > this.chunks[c].length) {
      const bigger = new Uint32Array(this.chunks[c].length * 2);
      bigger.set(this.chunks[c]);
      this.chunks[c] = bigger;
    }
    this.chunks[c].set(bits, at);
  }

  private grow(): void {
    const size = this.mask + 1;
    this.oldMask = this.mask;
    this.oldLo = this.hashLo;
    this.oldHi = this.hashHi;
    this.oldIds = this.ids;
    this.oldEntries = this.entries;
    this.migrated = 0;
    this.mask = size * 2 - 1;
    this.hashLo = new Int32Array(size * 2);
    this.hashHi = new Int32Array(size * 2);
    this.ids = new Int32Array(size * 2);
    this.entries = new Int32Array(size * 2);
    if (size < SMALL_TABLE_SLOTS) this.migrate(size);
  }

  /** Move `count` more old slots into the table; drop the old table once all are moved. */
  private migrate(count: number): void {
    const oldIds = this.oldIds as Int32Array;
    const oldLo = this.oldLo as Int32Array;
    const oldHi = this.oldHi as Int32Array;
    const oldEntries = this.oldEntries as Int32Array;
    const ids = this.ids;
    const mask = this.mask;
    const end = Math.min(this.migrated + count, this.oldMask + 1);
    for (let i = this.migrated; i < end; i++) {
      const id = oldIds[i];
      if (id === EMPTY) continue;
      let slot = slotOf(oldLo[i], oldHi[i], id - 1) & mask;
      while (ids[slot] !== EMPTY) slot = (slot + 1) & mask;
      ids[slot] = id;
      this.hashLo[slot] = oldLo[i];
      this.hashHi[slot] = oldHi[i];
      this.entries[slot] = oldEntries[i];
    }
    this.migrated = end;
    if (end > this.oldMask) {
      this.oldLo = undefined;
      this.oldHi = undefined;
      this.oldIds = undefined;
      this.oldEntries = undefined;
    }
  }
}

function slotOf(lo: number, hi: number, stateId: number): number {
  let h = lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stateId, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
