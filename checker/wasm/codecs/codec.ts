// What a model codec produces: the integer encoding of one partition's operations and initial state
// for the wasm search core (record layout in assembly/context.ts, step rules in assembly/models.ts).
// A codec must never change what a model means: its encoding must give the verdicts of model.step.

import type { Model, Operation } from "../../../models/model.js";

/** Model codes; must equal MODEL_* in assembly/models.ts. */
export const MODEL_CODE = {
  ownerMutex: 3,
  leaseLock: 4,
  kv: 5,
  table: 6,
} as const;

export interface EncodedPartition {
  model: number;
  /** kv: the number of keys in the partition (more than one: states are interned tuples); lease-lock: owners + 1; else 1. */
  keys: number;
  kind: Int32Array;
  a: Int32Array;
  b: Int32Array;
  c: Int32Array;
  /** lease-lock: the owner this op observes (renew/release by it, an owner read returning it), else 0. */
  d: Int32Array;
  x: Float64Array;
  aux: Int32Array;
  /** Initial state: two ints and two floats. */
  init: [number, number, number, number];
}

export interface ModelCodec {
  /** Whether this codec encodes `model` (a built-in model, recognized by name). */
  matches(model: Model): boolean;
  /** Encode the prepared ops of one partition; throws CodecLimitError when the encoding would be too big. */
  encode(model: Model, ops: readonly Operation[]): EncodedPartition;
}

/** The partition cannot be encoded within the codec's limits (the caller may use another engine). */
export class CodecLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CodecLimitError";
  }
}

export function emptyEncoding(model: number, n: number): EncodedPartition {
  return {
    model,
    keys: 1,
    kind: new Int32Array(n),
    a: new Int32Array(n),
    b: new Int32Array(n),
    c: new Int32Array(n),
    d: new Int32Array(n),
    x: new Float64Array(n),
    aux: new Int32Array(0),
    init: [0, 0, 0, 0],
  };
}

/** Dense ids for strings, starting at `first`. */
export class Interner {
  private readonly ids = new Map<string, number>();
  constructor(private readonly first = 0) {}
  id(key: string): number {
    let id = this.ids.get(key);
    if (id === undefined) {
      id = this.first + this.ids.size;
      this.ids.set(key, id);
    }
    return id;
  }
  get size(): number {
    return this.ids.size;
  }
}
