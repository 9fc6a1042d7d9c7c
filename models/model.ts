// The sequential-specification protocol every model implements (Porcupine's Model, Knossos's step).
// A model is data plus pure functions: it must never look at the clock, do I/O, or mutate a state it was given.

import type { History, Op } from "../histories/op.js";

/**
 * One operation as the search sees it: an invocation paired with its completion.
 * `fail` ops never reach a model (they certainly did not happen and are dropped, as in Knossos).
 */
export interface Operation {
  /** Index of the invoke op in the original history. */
  id: number;
  process: number;
  f: string;
  key?: string;
  /** The invocation's value (the input). */
  input: unknown;
  /** The completion's value (the output); undefined for `info` ops. */
  output: unknown;
  /** true for `info` (indeterminate): may take effect any time after invokeTime, or never. */
  indeterminate: boolean;
  /** Runner clock, ns. */
  invokeTime: number;
  /** Runner clock, ns; Infinity for indeterminate ops. */
  completeTime: number;
  /**
   * Index of the completion op in the original history (absent for ops left open). Orders a return
   * against a call with the same time the way the history recorded them.
   */
  completeId?: number;
}

/**
 * A sequential specification. `step` returns the next state, or undefined when the operation
 * is illegal in `state`. Operations are offered to `step` in a candidate linearization order.
 */
export interface Model<S = unknown> {
  readonly name: string;
  init(): S;
  step(state: S, op: Operation): S | undefined;
  /** A string that is equal for equal states (used by the memo cache). */
  key(state: S): string;
  /** Split a history into independent sub-histories (P-compositionality); absent: one partition. */
  partition?(history: History): Map<string, History>;
  /** Drop or rewrite ops before checking (e.g. a read that timed out says nothing). */
  prepare?(op: Operation): Operation | undefined;
  describeOperation?(op: Operation): string;
  describeState?(state: S): string;
  /**
   * For timed models (lease-lock): a time before which no op can be placed any more once `state` is
   * reached (every later op is placed at or after it, and is illegal if that is after its completeTime).
   * An engine may then abandon a state whose time is past an op that still has to be placed.
   */
  earliestNextTime?(state: S): number;
  /**
   * Optional: the state an engine should remember and go on from instead of `state`, given what the ops
   * still to be placed can tell apart (`remaining`). It must leave every future over those ops as it was.
   * lease-lock: a holder whose lease may have ended, whom no remaining op observes, is no holder; a `now`
   * no later than every remaining invocation constrains nothing. Fewer distinct states, a smaller memo.
   */
  canonical?(state: S, remaining: RemainingOperations): S;
  /** With `canonical`: the identity an op observes (lease-lock: who renews or releases, whom a read returned). */
  observes?(op: Operation): string | null;
  /**
   * With `canonical`: whether placing an indeterminate op that took `before` to `after` can never help
   * (lease-lock: it changed nothing but `now`, which only constrains what follows). Default: equal keys.
   */
  unchanged?(before: S, after: S): boolean;
}

/** What a search tells `Model.canonical` of the ops not placed yet (the op just placed excluded). */
export interface RemainingOperations {
  /** The earliest invokeTime among them (Infinity when none is left). */
  readonly earliestInvoke: number;
  /** Whether one of them observes `identity` (see Model.observes). */
  observed(identity: string): boolean;
}

/** Group ops by their `key` (ops without a key go to ""). Nemesis ops are dropped. */
export function partitionByKey(history: History): Map<string, History> {
  const out = new Map<string, Op[]>();
  for (const op of history) {
    if (op.process === "nemesis") continue;
    const k = op.key ?? "";
    let list = out.get(k);
    if (!list) {
      list = [];
      out.set(k, list);
    }
    list.push(op);
  }
  return out;
}
