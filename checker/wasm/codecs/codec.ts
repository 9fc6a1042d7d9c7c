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

/**
 * Where each field of an op record sits, as an index into the record's Int32Array or Float64Array view
 * (record i starts at int i * RECORD_INTS, double i * RECORD_DOUBLES). Must equal OP_* in
 * assembly/models.ts: kind @0, a @4, b @8, c @12, det @16, d @20, invoke @32, complete @40, x @48 bytes.
 */
export const RECORD_INTS = 16;
export const RECORD_DOUBLES = 8;
export const KIND = 0;
export const A = 1;
export const B = 2;
export const C = 3;
export const DET = 4;
/** lease-lock: the owner this op observes (renew/release by it, an owner read returning it), else 0. */
export const D = 5;
/** The history indexes that order a call / a return among events at the same time (realTimeEvents' ties). */
export const TIE_CALL = 6;
export const TIE_RETURN = 7;
/** A tie after every history index (realTimeEvents' Infinity). */
const AFTER_ALL = 0x7fff_ffff;
export const INVOKE = 4;
export const COMPLETE = 5;
export const X = 6;

export interface EncodedPartition {
  model: number;
  /** kv: the number of keys in the partition (more than one: states are interned tuples); lease-lock: owners + 1; else 1. */
  keys: number;
  /**
   * The op records, laid out as the search core reads them; copied into wasm memory in one piece. They
   * view a buffer every encoding reuses: valid until the next encode() (the engine copies them at once).
   */
  records: Int32Array;
  /** The same bytes as doubles. */
  doubles: Float64Array;
  /** Ints the model's steps read (finite: the transition columns; kv: the append tables). */
  aux: Int32Array | readonly number[];
  /** Initial state: two ints and two floats. */
  init: [number, number, number, number];
  /**
   * Whether the search core can order the events itself from the records' times and ties (the order of
   * realTimeEvents): every time is a number and every tie a history index. Else the engine passes the order.
   */
  orderInWasm: boolean;
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

/** Whether x is a history index the records can hold (an i32 below AFTER_ALL). */
function isIndex(x: number): boolean {
  return x === (x | 0) && x >= 0 && x < AFTER_ALL;
}

/**
 * The buffer the records of every encoding are written to, grown when a partition needs more: a fresh
 * ArrayBuffer per partition (allocated outside the JS heap) cost about a tenth of checking a small history.
 */
let recordScratch = new ArrayBuffer(64 * 1024);

/**
 * An encoding whose records hold each op's times, ties and determinacy (kind 0, "never legal", until
 * the codec sets it), in one pass over the ops.
 */
export function emptyEncoding(model: number, ops: readonly Operation[]): EncodedPartition {
  const n = ops.length;
  const bytes = n * RECORD_INTS * 4;
  if (recordScratch.byteLength < bytes)
    recordScratch = new ArrayBuffer(Math.max(bytes, 2 * recordScratch.byteLength));
  const records = new Int32Array(recordScratch, 0, n * RECORD_INTS);
  const doubles = new Float64Array(recordScratch, 0, n * RECORD_DOUBLES);
  records.fill(0);
  let orderInWasm = true;
  for (let i = 0; i < n; i++) {
    const op = ops[i];
    const det = op.indeterminate ? 0 : 1;
    const at = i * RECORD_INTS;
    records[at + DET] = det;
    const invokeTime = op.invokeTime;
    const completeTime = op.completeTime;
    const r = i * RECORD_DOUBLES;
    doubles[r + INVOKE] = invokeTime;
    doubles[r + COMPLETE] = det === 1 ? completeTime : Number.POSITIVE_INFINITY;
    // realTimeEvents' ties: the invoke's index; the completion's, or for one never completed its invoke's
    const id = op.id;
    const returnTie = op.completeId ?? (completeTime === Number.POSITIVE_INFINITY ? id : AFTER_ALL);
    records[at + TIE_CALL] = id;
    records[at + TIE_RETURN] = returnTie;
    if (
      !isIndex(id) ||
      !(returnTie === AFTER_ALL || isIndex(returnTie)) ||
      Number.isNaN(invokeTime) ||
      Number.isNaN(completeTime) ||
      (det === 0 && completeTime !== Number.POSITIVE_INFINITY)
    ) {
      orderInWasm = false;
    }
  }
  return { model, keys: 1, records, doubles, aux: [], init: [0, 0, 0, 0], orderInWasm };
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
