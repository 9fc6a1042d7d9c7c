// Turns a history into the Operations a search engine sees (invoke paired with its completion), and
// fixes the real-time order of their calls and returns, which every engine (ts, wasm, oracle) shares.
// It must never search, and never import a backend, the nemesis or the runner.

import type { History } from "../histories/op.js";
import type { Model, Operation } from "../models/model.js";

/** The `open` entry of a process with no open invoke. */
const CLOSED = -1;

/**
 * Pairs each invoke with its process's next completion; drops `fail` pairs (they did not happen) and
 * nemesis ops; an `info` completion (or none at all) makes the op indeterminate with completeTime
 * Infinity. Then applies `model.prepare`. The result is ordered by invokeTime, then id.
 */
export function toOperations(history: History, model: Model): Operation[] {
  // Each invoke reserves a slot in invoke order, filled when its completion comes (a fail leaves it
  // empty): histories are in time order, so the ops come out sorted without a sort (checked below).
  // process -> slot of its open invoke, or CLOSED: a closed process keeps its entry (Map.delete, then set
  // again at the next invoke, cost about a third of this function)
  const open = new Map<number, number>();
  const slots: (Operation | undefined)[] = [];
  const invokeAt: number[] = []; // slot -> position in `history` of its invoke
  const prepare = (op: Operation) => (model.prepare ? model.prepare(op) : op);
  for (let i = 0; i < history.length; i++) {
    const op = history[i];
    if (op.process === "nemesis") continue;
    const process = op.process;
    if (op.type === "invoke") {
      const openSlot = open.get(process);
      if (openSlot !== undefined && openSlot !== CLOSED) {
        throw new Error(
          `history index ${op.index}: process ${process} invokes while its op at index ${history[invokeAt[openSlot]].index} is open`,
        );
      }
      open.set(process, slots.length);
      invokeAt.push(i);
      slots.push(undefined);
      continue;
    }
    const slot = open.get(process);
    if (slot === undefined || slot === CLOSED) {
      throw new Error(
        `history index ${op.index}: ${op.type} completion with no invocation on process ${process}`,
      );
    }
    open.set(process, CLOSED);
    if (op.type === "fail") continue;
    const invoke = history[invokeAt[slot]];
    const indeterminate = op.type === "info";
    slots[slot] = prepare({
      id: invoke.index,
      process,
      f: invoke.f,
      key: invoke.key,
      input: invoke.value,
      output: indeterminate ? undefined : op.value,
      indeterminate,
      invokeTime: invoke.time,
      completeTime: indeterminate ? Infinity : op.time,
      completeId: indeterminate ? undefined : op.index,
    });
  }
  for (const slot of open.values()) {
    if (slot === CLOSED) continue;
    const invoke = history[invokeAt[slot]];
    slots[slot] = prepare({
      id: invoke.index,
      process: invoke.process as number,
      f: invoke.f,
      key: invoke.key,
      input: invoke.value,
      output: undefined,
      indeterminate: true,
      invokeTime: invoke.time,
      completeTime: Infinity,
    });
  }
  const out: Operation[] = [];
  let sorted = true;
  for (const op of slots) {
    if (op === undefined) continue;
    if (sorted && out.length > 0 && byInvoke(out[out.length - 1], op) > 0) sorted = false;
    out.push(op);
  }
  if (!sorted) out.sort(byInvoke);
  return out;
}

function byInvoke(a: Operation, b: Operation): number {
  return a.invokeTime - b.invokeTime || a.id - b.id;
}

/**
 * The calls and returns of `operations` in real-time order, each coded as `2*i` (call of operations[i])
 * or `2*i+1` (its return). Order: by time; at equal times by history index (so a history without
 * distinct times keeps its recorded order); a return with no known index after the calls at its time.
 * Returns of indeterminate ops come last (time Infinity), so they never block a linearization.
 */
export function realTimeEvents(operations: readonly Operation[]): Int32Array {
  const n = operations.length;
  const times = new Float64Array(2 * n);
  const tie = new Float64Array(2 * n);
  let comparable = true;
  for (let i = 0; i < n; i++) {
    const op = operations[i];
    times[2 * i] = op.invokeTime;
    tie[2 * i] = op.id;
    times[2 * i + 1] = op.completeTime;
    tie[2 * i + 1] = op.completeId ?? (op.completeTime === Infinity ? op.id : Infinity);
    if (Number.isNaN(op.invokeTime) || Number.isNaN(op.completeTime)) comparable = false;
  }
  const compare = (a: number, b: number) =>
    times[a] - times[b] || tie[a] - tie[b] || (a & 1) - (b & 1) || a - b;
  const order = new Int32Array(2 * n);
  if (!(comparable && mergeInOrder(n, compare, order))) {
    const all: number[] = new Array(2 * n);
    for (let k = 0; k < 2 * n; k++) all[k] = k;
    all.sort(compare);
    order.set(all);
  }
  return order;
}

/**
 * The usual case without a general sort: the calls are already in order (operations come sorted by
 * invoke) and the returns nearly so (an insertion sort, given up past a budget of moves); merges the two
 * into `order`. False when the calls are out of order or the returns too far from it.
 */
function mergeInOrder(n: number, compare: (a: number, b: number) => number, order: Int32Array): boolean {
  for (let i = 1; i < n; i++) if (compare(2 * i - 2, 2 * i) > 0) return false;
  const returns = new Int32Array(n);
  let budget = 8 * n + 64;
  for (let i = 0; i < n; i++) {
    const r = 2 * i + 1;
    let j = i;
    while (j > 0 && compare(returns[j - 1], r) > 0) {
      returns[j] = returns[j - 1];
      j--;
      if (--budget < 0) return false;
    }
    returns[j] = r;
  }
  let c = 0;
  let k = 0;
  let out = 0;
  while (c < n && k < n) {
    if (compare(2 * c, returns[k]) < 0) order[out++] = 2 * c++;
    else order[out++] = returns[k++];
  }
  while (c < n) order[out++] = 2 * c++;
  while (k < n) order[out++] = returns[k++];
  return true;
}
