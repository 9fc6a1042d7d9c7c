// Pairs a history's invocations with their completions into the operations the effect checks reason about,
// and reads the lock and resource fields they need. Pure functions of the history: never mutate it, never
// import a backend or the nemesis (the checks work on any history, from anywhere).

import type { History, Op } from "../../histories/op.js";

/** One invocation with its completion. */
export interface PairedOp {
  /** History index of the invocation (the id the whole checker uses for an operation). */
  id: number;
  /** History index of the completion; undefined when the history ends with the op still open. */
  completionIndex?: number;
  process: number | string;
  /** ok: happened; fail: certainly did not; info: unknown (also an op left open at the end). */
  type: "ok" | "fail" | "info";
  /** The function name without a leading ":" (EDN importers may keep it). */
  f: string;
  key: string;
  input: unknown;
  output: unknown;
  error?: unknown;
  /** Runner clock, ns. */
  invokeTime: number;
  /** The latest time the op may have taken effect: the completion's time for ok and fail, Infinity for info. */
  completeTime: number;
  /** When the client got its answer (the completion op's time; the invoke time if it never completed). */
  returnTime: number;
}

/** Strip a leading ":" from a keyword-like name. */
export function bare(x: unknown): string {
  const s = typeof x === "string" ? x : String(x);
  return s.startsWith(":") ? s.slice(1) : s;
}

/** `value[name]` when value is a plain object. */
export function fieldOf(value: unknown, name: string): unknown {
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    return (value as Record<string, unknown>)[name];
  }
  return undefined;
}

/** A field read from the completion's value first, then the invocation's. */
export function opField(op: PairedOp, name: string): unknown {
  const out = fieldOf(op.output, name);
  return out !== undefined ? out : fieldOf(op.input, name);
}

/** The owner the client acted as: value.owner (completion, then invocation), else "process N". */
export function ownerOfOp(op: PairedOp): string {
  const o = opField(op, "owner");
  if (typeof o === "string" || typeof o === "number") return String(o);
  return `process ${op.process}`;
}

/** Pair every client invocation with the next completion of its process; nemesis ops are left out. */
export function pairOperations(history: History): PairedOp[] {
  const open = new Map<number | string, { invoke: Op; slot: number }>();
  const out: PairedOp[] = [];
  for (const op of history) {
    if (typeof op.process === "string" && bare(op.process) === "nemesis") continue;
    const type = op.type;
    if (type === "invoke") {
      out.push({
        id: op.index,
        completionIndex: undefined,
        process: op.process,
        type: "info",
        f: bare(op.f),
        key: op.key ?? "",
        input: op.value,
        output: undefined,
        error: undefined,
        invokeTime: op.time,
        completeTime: Number.POSITIVE_INFINITY,
        returnTime: op.time,
      });
      open.set(op.process, { invoke: op, slot: out.length - 1 });
      continue;
    }
    const started = open.get(op.process);
    if (!started) continue; // a completion with no invocation: the reader rejects these; ignore here
    open.delete(op.process);
    const paired = out[started.slot];
    paired.completionIndex = op.index;
    paired.output = op.value;
    paired.error = op.error;
    paired.returnTime = op.time;
    if (type === "ok" || type === "fail") {
      // "info" and anything unexpected stay indeterminate
      paired.type = type;
      paired.completeTime = op.time;
    }
  }
  return out;
}

/** Whether the op is an access to a protected resource (res-read, res-write, ...). */
export function isResourceAccess(op: PairedOp): boolean {
  return op.f.startsWith("res-");
}

/** The runner's own final read after the run (value.final: true); not a client's access. */
export function isFinalRead(op: PairedOp): boolean {
  return op.f === "res-read" && opField(op, "final") === true;
}

/** A resource kind: "register", "set", "counter", or "" when the op does not say. */
export function resourceOf(op: PairedOp): string {
  const r = opField(op, "resource");
  return typeof r === "string" ? bare(r) : "";
}

/** A fencing token as a BigInt (tokens are decimal strings; numbers are accepted too); undefined if absent. */
export function tokenOf(op: PairedOp): bigint | undefined {
  const t = fieldOf(op.input, "token") ?? fieldOf(op.output, "token");
  if (typeof t === "number" && Number.isInteger(t)) return BigInt(t);
  if (typeof t === "string" && /^-?\d+$/.test(t)) return BigInt(t);
  return undefined;
}

/** ns to ms, rounded to 3 decimals, for explanations and counts. */
export function ms(ns: number): number {
  return Math.round(ns / 1e3) / 1e3;
}

/** Sort by a time, then by history index (stable, deterministic). */
export function byTime<T extends PairedOp>(time: (op: T) => number): (a: T, b: T) => number {
  return (a, b) => time(a) - time(b) || a.id - b.id;
}
