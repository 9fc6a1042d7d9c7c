// Small helpers the built-in models share: normalising names and values that importers may spell in
// several ways (Jepsen keywords as ":read" or "read"), and a canonical key for any JSON-like value.
// Pure functions only: they must never mutate their input or look at anything but their arguments.

import type { Operation } from "./model.js";

/** An op name or map key without a leading ":" (EDN keywords may keep theirs through an importer). */
export function bareName(x: unknown): string {
  const s = typeof x === "string" ? x : String(x);
  return s.startsWith(":") ? s.slice(1) : s;
}

/** A string equal for equal JSON-like values (null and undefined are the same "nil"). */
export function valueKey(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  switch (typeof v) {
    case "number":
      return `n${v}`;
    case "string":
      return `s${v}`;
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      return `n${v}`;
    default:
      return `j${JSON.stringify(v)}`;
  }
}

/** Value equality by canonical key (so 1 equals 1, [1,2] equals [1,2], null equals undefined). */
export function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (a === null || a === undefined) return b === null || b === undefined;
  if (typeof a !== "object" && typeof b !== "object") return false;
  return valueKey(a) === valueKey(b);
}

/** A short human form of a value for counterexamples. */
export function showValue(v: unknown): string {
  if (v === undefined || v === null) return "nil";
  if (typeof v === "string") return JSON.stringify(v);
  if (typeof v === "bigint") return v.toString();
  return JSON.stringify(v) ?? String(v);
}

/** The field `name` of an op's value object, if the value is an object that has it. */
export function field(value: unknown, name: string): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return (value as Record<string, unknown>)[name];
  }
  return undefined;
}

/** The owner of a lock op: value.owner (completion first, then invocation), else the process id. */
export function ownerOf(op: Operation): string {
  const fromOutput = field(op.output, "owner");
  if (typeof fromOutput === "string" || typeof fromOutput === "number") return String(fromOutput);
  const fromInput = field(op.input, "owner");
  if (typeof fromInput === "string" || typeof fromInput === "number") return String(fromInput);
  return `process ${op.process}`;
}

/** An error for an op a model cannot interpret: names the op so the user can find it. */
export class ModelInputError extends Error {
  /** The history index of the op's invocation: where a caller points the user (file:line). */
  readonly opIndex: number;
  constructor(model: string, op: Operation, reason: string) {
    super(`model ${model}: op at history index ${op.id} (f=${op.f}): ${reason}`);
    this.name = "ModelInputError";
    this.opIndex = op.id;
  }
}
