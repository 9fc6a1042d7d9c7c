// The TS engine's memo cache: a set of (linearized-ops bitset, model state id) configurations, keyed by an
// incremental 64-bit Zobrist hash of the bitset. Open addressing over typed arrays; bitsets are compared
// word by word on a hash match, so a hash collision can never prune a configuration wrongly.
// It must never know about models or the search beyond these three numbers and a bitset.

const EMPTY = -1;

export class MemoTable {
  private mask: number;
  private hashLo: Int32Array;
  private hashHi: Int32Array;
  private stateIds: Int32Array;
  private bitsets: (Uint32Array | undefined)[];
  size = 0;

  constructor(initialCapacity = 1024) {
    let cap = 16;
    while (cap < initialCapacity) cap *= 2;
    this.mask = cap - 1;
    this.hashLo = new Int32Array(cap);
    this.hashHi = new Int32Array(cap);
    this.stateIds = new Int32Array(cap).fill(EMPTY);
    this.bitsets = new Array(cap);
  }

  /** Adds the configuration; returns false (and adds nothing) when it was already there. */
  insertIfAbsent(lo: number, hi: number, stateId: number, bits: Uint32Array): boolean {
    const ids = this.stateIds;
    let slot = slotOf(lo, hi, stateId) & this.mask;
    for (;;) {
      const id = ids[slot];
      if (id === EMPTY) break;
      if (
        id === stateId &&
        this.hashLo[slot] === lo &&
        this.hashHi[slot] === hi &&
        sameBits(this.bitsets[slot]!, bits)
      ) {
        return false;
      }
      slot = (slot + 1) & this.mask;
    }
    ids[slot] = stateId;
    this.hashLo[slot] = lo;
    this.hashHi[slot] = hi;
    this.bitsets[slot] = bits.slice();
    this.size++;
    if (this.size * 2 > this.mask) this.grow();
    return true;
  }

  private grow(): void {
    const oldLo = this.hashLo;
    const oldHi = this.hashHi;
    const oldIds = this.stateIds;
    const oldBits = this.bitsets;
    const cap = (this.mask + 1) * 2;
    this.mask = cap - 1;
    this.hashLo = new Int32Array(cap);
    this.hashHi = new Int32Array(cap);
    this.stateIds = new Int32Array(cap).fill(EMPTY);
    this.bitsets = new Array(cap);
    for (let i = 0; i < oldIds.length; i++) {
      if (oldIds[i] === EMPTY) continue;
      let slot = slotOf(oldLo[i], oldHi[i], oldIds[i]) & this.mask;
      while (this.stateIds[slot] !== EMPTY) slot = (slot + 1) & this.mask;
      this.stateIds[slot] = oldIds[i];
      this.hashLo[slot] = oldLo[i];
      this.hashHi[slot] = oldHi[i];
      this.bitsets[slot] = oldBits[i];
    }
  }

  clear(): void {
    this.mask = 15;
    this.hashLo = new Int32Array(16);
    this.hashHi = new Int32Array(16);
    this.stateIds = new Int32Array(16).fill(EMPTY);
    this.bitsets = new Array(16);
    this.size = 0;
  }
}

function slotOf(lo: number, hi: number, stateId: number): number {
  let h = lo ^ Math.imul(hi, 0x27d4eb2d) ^ Math.imul(stateId, 0x9e3779b1);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

function sameBits(a: Uint32Array, b: Uint32Array): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
