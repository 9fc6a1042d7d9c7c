// The TS engine's memo cache: a set of (linearized-ops bitset, model state id) configurations, keyed by an
// incremental 64-bit Zobrist hash of the bitset. Open addressing over typed arrays; every bitset is
// copied into one growing arena (no object per entry, so the GC has nothing to trace), and bitsets are
// compared word by word on a hash match, so a hash collision can never prune a configuration wrongly.
// It must never know about models or the search beyond these three numbers and a bitset.

const EMPTY = -1;

export class MemoTable {
  private mask: number;
  private hashLo: Int32Array;
  private hashHi: Int32Array;
  private stateIds: Int32Array;
  /** Slot -> entry number; the entry's bitset is arena[entry*words .. +words). */
  private entries: Int32Array;
  private arena: Uint32Array;
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
    this.stateIds = new Int32Array(cap).fill(EMPTY);
    this.entries = new Int32Array(cap);
    this.arena = new Uint32Array(Math.max(1, words) * (cap >>> 1));
  }

  /** Adds the configuration; returns false (and adds nothing) when it was already there. */
  insertIfAbsent(lo: number, hi: number, stateId: number, bits: Uint32Array): boolean {
    const ids = this.stateIds;
    const words = this.words;
    let slot = slotOf(lo, hi, stateId) & this.mask;
    for (;;) {
      const id = ids[slot];
      if (id === EMPTY) break;
      if (id === stateId && this.hashLo[slot] === lo && this.hashHi[slot] === hi) {
        const base = this.entries[slot] * words;
        let same = true;
        for (let w = 0; w < words; w++) {
          if (this.arena[base + w] !== bits[w]) {
            same = false;
            break;
          }
        }
        if (same) return false;
      }
      slot = (slot + 1) & this.mask;
    }
    const entry = this.size;
    if ((entry + 1) * words > this.arena.length) {
      const bigger = new Uint32Array(this.arena.length * 2);
      bigger.set(this.arena);
      this.arena = bigger;
    }
    this.arena.set(bits, entry * words);
    ids[slot] = stateId;
    this.hashLo[slot] = lo;
    this.hashHi[slot] = hi;
    this.entries[slot] = entry;
    this.size++;
    if (this.size * 2 > this.mask) this.grow();
    return true;
  }

  private grow(): void {
    const oldLo = this.hashLo;
    const oldHi = this.hashHi;
    const oldIds = this.stateIds;
    const oldEntries = this.entries;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.hashLo = new Int32Array(cap);
    this.hashHi = new Int32Array(cap);
    this.stateIds = new Int32Array(cap).fill(EMPTY);
    this.entries = new Int32Array(cap);
    for (let i = 0; i < oldIds.length; i++) {
      if (oldIds[i] === EMPTY) continue;
      let slot = slotOf(oldLo[i], oldHi[i], oldIds[i]) & this.mask;
      while (this.stateIds[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.stateIds[slot] = oldIds[i];
      this.hashLo[slot] = oldLo[i];
      this.hashHi[slot] = oldHi[i];
      this.entries[slot] = oldEntries[i];
    }
  }
}

function slotOf(lo: number, hi: number, stateId: number): number {
  let h = lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stateId, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}
