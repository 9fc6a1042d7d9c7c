// Test helper: builds a valid history from a list of ops given as intervals, so tests can state
// timelines compactly. It must never be used by production code.

import type { History, Op } from "../../histories/op.js";

export interface OpSpec {
  p: number;
  f: string;
  key?: string;
  /** The invocation's value. */
  in?: unknown;
  /** The completion's value (default: the invocation's). */
  out?: unknown;
  /** Invocation time. Times are in the unit the test says (lease-lock tests use ms and scale). */
  start: number;
  /** Completion time (ignored for "open"). */
  end?: number;
  /** Completion type (default ok); "open": never completes. */
  type?: "ok" | "fail" | "info" | "open";
}

/** Events sorted by time (stable: at equal times, the order given); indexes assigned densely. */
export function buildHistory(specs: OpSpec[], scale = 1): History {
  const events: Omit<Op, "index">[] = [];
  for (const s of specs) {
    events.push({ time: s.start * scale, process: s.p, type: "invoke", f: s.f, key: s.key, value: s.in });
    const type = s.type ?? "ok";
    if (type === "open") continue;
    if (s.end === undefined) throw new Error("buildHistory: end is required unless type is open");
    const value = s.out === undefined ? s.in : s.out;
    events.push({ time: s.end * scale, process: s.p, type, f: s.f, key: s.key, value });
  }
  const sorted = events.map((e, i) => ({ e, i })).sort((a, b) => a.e.time - b.e.time || a.i - b.i);
  return sorted.map(({ e }, index) => {
    const op: Op = { index, ...e };
    if (op.key === undefined) delete op.key;
    if (op.value === undefined) delete op.value;
    return op;
  });
}
