// Closes the ops a crashed run left open: each open invocation gets an `info` completion at the end of the
// history (DESIGN.md section 2: "open ops become info"). Pure: it must never change the ops it is given.

import type { History, Op, ProcessId } from "./op.js";

/** Why the synthesized completions are unknown. */
export const OPEN_AT_END_ERROR = "open-at-end";

/**
 * A copy of `history` with an `info` completion appended for every invocation still open at its end, in
 * the order they were invoked, at the history's last time. The completion carries the invocation's key
 * and value, and error "open-at-end".
 */
export function completeOpenOps(history: readonly Op[]): History {
  const open = new Map<ProcessId, Op>();
  let endTime = 0;
  for (const op of history) {
    if (op.type === "invoke") open.set(op.process, op);
    else open.delete(op.process);
    if (op.time > endTime) endTime = op.time;
  }
  const out = history.slice();
  const pending = [...open.values()].sort((a, b) => a.index - b.index);
  for (const inv of pending) {
    const done: Op = { index: out.length, time: endTime, process: inv.process, type: "info", f: inv.f };
    if (inv.key !== undefined) done.key = inv.key;
    if (inv.value !== undefined) done.value = inv.value;
    done.error = OPEN_AT_END_ERROR;
    out.push(done);
  }
  return out;
}

/** How many invocations are open at the end of `history`. */
export function countOpenOps(history: readonly Op[]): number {
  const open = new Set<ProcessId>();
  for (const op of history) {
    if (op.type === "invoke") open.add(op.process);
    else open.delete(op.process);
  }
  return open.size;
}
