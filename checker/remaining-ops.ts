// What a search tells Model.canonical of the ops it has not placed yet (models/model.ts
// RemainingOperations): the earliest invocation among them, and which identities they observe
// (Model.observes), kept up to date as ops are placed and taken back. It must never know a model's rules
// beyond Model.observes, and never allocate per step.

import type { Model, Operation, RemainingOperations } from "../models/model.js";

export class RemainingTracker implements RemainingOperations {
  earliestInvoke = Number.POSITIVE_INFINITY;
  /** The op being placed: it is no longer "remaining" for the state after it. */
  private placing = -1;
  /** Per op: the id of the identity it observes, or -1. */
  private readonly observedId: Int32Array;
  /** Per identity id: how many ops not placed yet observe it. */
  private readonly counts: Int32Array;
  private readonly ids = new Map<string, number>();

  constructor(model: Model<unknown>, ops: readonly Operation[]) {
    this.observedId = new Int32Array(ops.length).fill(-1);
    for (let i = 0; i < ops.length; i++) {
      const who = model.observes?.(ops[i]) ?? null;
      if (who === null) continue;
      let id = this.ids.get(who);
      if (id === undefined) {
        id = this.ids.size;
        this.ids.set(who, id);
      }
      this.observedId[i] = id;
    }
    this.counts = new Int32Array(this.ids.size);
    for (const id of this.observedId) if (id >= 0) this.counts[id]++;
  }

  /** Describe what remains once op `i` is placed, the earliest other invocation being `earliestInvoke`. */
  focus(i: number, earliestInvoke: number): this {
    this.placing = i;
    this.earliestInvoke = earliestInvoke;
    return this;
  }

  placed(i: number): void {
    const id = this.observedId[i];
    if (id >= 0) this.counts[id]--;
  }

  unplaced(i: number): void {
    const id = this.observedId[i];
    if (id >= 0) this.counts[id]++;
  }

  observed(identity: string): boolean {
    const id = this.ids.get(identity);
    if (id === undefined) return false;
    const own = this.placing >= 0 && this.observedId[this.placing] === id ? 1 : 0;
    return this.counts[id] - own > 0;
  }
}
