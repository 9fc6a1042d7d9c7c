// Turns a history into the Operations a search engine sees (invoke paired with its completion), and
// fixes the real-time order of their calls and returns, which every engine (ts, wasm, oracle) shares.
// It must never search, and never import a backend, the nemesis or the runner.

import type { History } from "../histories/op.js";
import type { Model, Operation } from "../models/model.js";

/**
 * Pairs each invoke with its process's next completion; drops `fail` pairs (they did not happen) and
 * nemesis ops; an `info` completion (or none at all) makes the op indeterminate with completeTime
 * Infinity. Then applies `model.prepare`. The result is ordered by invokeTime, then id.
 */
export function toOperations(history: History, model: Model): Operation[] {
  const open = new Map<number, number>(); // process -> position in `history` of its open invoke
  const out: Operation[] = [];
  const push = (op: Operation) => {
    const prepared = model.prepare ? model.prepare(op) : op;
    if (prepared) out.push(prepared);
  };
  for (let i = 0; i < history.length; i++) {
    const op = history[i];
    if (op.process === "nemesis") continue;
    const process = op.process;
    if (op.type === "invoke") {
      if (open.has(process)) {
        throw new Error(
          `history index ${op.index}: process ${process} invokes while its op at index ${history[open.get(process)!].index} is open`,
        );
      }
      open.set(process, i);
      continue;
    }
    const at = open.get(process);
    if (at === undefined) {
      throw new Error(
        `history index ${op.index}: ${op.type} completion with no invocation on process ${process}`,
      );
    }
    open.delete(process);
    if (op.type === "fail") continue;
    const invoke = history[at];
    const indeterminate = op.type === "info";
    push({
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
  for (const at of open.values()) {
    const invoke = history[at];
    push({
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
  out.sort(byInvoke);
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
  const order: number[] = new Array(2 * n);
  for (let i = 0; i < n; i++) {
    const op = operations[i];
    times[2 * i] = op.invokeTime;
    tie[2 * i] = op.id;
    times[2 * i + 1] = op.completeTime;
    tie[2 * i + 1] = op.completeId ?? (op.completeTime === Infinity ? op.id : Infinity);
    order[2 * i] = 2 * i;
    order[2 * i + 1] = 2 * i + 1;
  }
  order.sort((a, b) => times[a] - times[b] || tie[a] - tie[b] || (a & 1) - (b & 1) || a - b);
  return Int32Array.from(order);
}
