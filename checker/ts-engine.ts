// The plain-TypeScript search engine (DESIGN.md section 3): Wing & Gong's just-in-time linearization as
// refined by Lowe, with the (linearized set, state) memo of Horn & Kroening and Porcupine. It runs any
// Model, in resumable slices. It must never print, look at the clock, or import a backend or the nemesis.
//
// The calls and returns form a doubly linked list (typed arrays; node 0 is the head). Trying an op lifts
// its call and return out of the list; backtracking unlifts them. A configuration is the set of
// linearized ops (a bitset with an incremental 64-bit Zobrist hash) plus the model state (interned to an
// integer id by its key); one already in the memo is not explored again. Indeterminate ops have their
// return at the very end, so they never force a backtrack, and when only they remain the history is
// linearizable. Candidates are tried in real-time order, indeterminate ones included (trying the
// determinate ones first was measured: it is far slower on lease histories, where an unknown acquire
// that did happen is needed early, and deep backtracking finds that out late).
// A model with `canonical` (lease-lock) has each state rewritten, after its step, into the form it gives
// given the ops not placed yet (checker/remaining-ops.ts), so the memo holds fewer distinct states.
// Two sound cuts: an unknown op that leaves the state unchanged (Model.unchanged, else an equal key) is
// never placed (nothing has to follow it), and with a timed model (Model.earliestNextTime, e.g.
// lease-lock's `now`) a state whose time is already past the completion of an op still to be placed is
// abandoned at once: without it, unknown acquires that may take effect arbitrarily late make the search
// explore every subset of them there.
// A step (one op tried) costs O(1) plus the model's step and key (and, for timed models, a walk to the
// first return in the list).

import type { Model, Operation } from "../models/model.js";
import type { Engine, PartitionSearch, SearchLimits, SearchStatus } from "./engine.js";
import { MemoTable } from "./memo-table.js";
import { realTimeEvents } from "./operations.js";
import { blockingOperation, LongestPrefixes } from "./prefixes.js";
import { RemainingTracker } from "./remaining-ops.js";

const END = -1;
/** Node kind of a call (a return is 0). */
const CALL = 1;

class TsSearch implements PartitionSearch {
  status: SearchStatus = "running";
  steps = 0;

  private readonly ops: readonly Operation[];
  private readonly model: Model<unknown>;
  private readonly maxCacheEntries: number;
  private readonly events: Int32Array;
  // The linked list. Node k >= 1 is events[k-1]; nodeOp: the operation position; kind: CALL, or 0 for a return;
  // match: call -> return.
  private readonly prev: Int32Array;
  private readonly next: Int32Array;
  private readonly nodeOp: Int32Array;
  private readonly kind: Uint8Array;
  private readonly match: Int32Array;
  private readonly indeterminate: Uint8Array;
  // The configuration.
  private state: unknown;
  private readonly bits: Uint32Array;
  private hashLo = 0;
  private hashHi = 0;
  private readonly zobristLo: Int32Array;
  private readonly zobristHi: Int32Array;
  private remainingDeterminate = 0;
  // The backtracking stack: the call node lifted, its operation, and the state before it.
  private readonly stackNode: Int32Array;
  private readonly stackOp: Int32Array;
  private readonly stackState: unknown[];
  private readonly stackSid: Int32Array;
  /** The interned id of `state`'s key. */
  private stateId: number;
  private depth = 0;
  private entry: number;
  private memo: MemoTable | undefined;
  private stateIds: Map<string, number> | undefined = new Map();
  private readonly prefixes = new LongestPrefixes();
  /** For a model with `canonical`: what the ops not placed yet observe. */
  private readonly remaining: RemainingTracker | undefined;
  private disposed = false;

  constructor(model: Model<unknown>, operations: Operation[], limits: SearchLimits) {
    this.model = model;
    this.ops = operations;
    this.maxCacheEntries = limits.maxCacheEntries;
    const n = operations.length;
    this.events = realTimeEvents(operations);
    this.prev = new Int32Array(2 * n + 1);
    this.next = new Int32Array(2 * n + 1);
    this.nodeOp = new Int32Array(2 * n + 1);
    this.kind = new Uint8Array(2 * n + 1);
    this.match = new Int32Array(2 * n + 1);
    this.indeterminate = new Uint8Array(n);
    const callNode = new Int32Array(n);
    for (let k = 0; k < 2 * n; k++) {
      const node = k + 1;
      const e = this.events[k];
      const i = e >> 1;
      this.nodeOp[node] = i;
      this.prev[node] = node - 1;
      this.next[node - 1] = node;
      if ((e & 1) === 0) {
        this.kind[node] = CALL;
        callNode[i] = node;
      } else {
        this.match[callNode[i]] = node;
      }
    }
    this.next[2 * n] = END;
    this.prev[0] = END;
    for (let i = 0; i < n; i++) {
      if (operations[i].indeterminate) this.indeterminate[i] = 1;
      else this.remainingDeterminate++;
    }
    this.bits = new Uint32Array((n + 31) >>> 5);
    this.memo = new MemoTable(this.bits.length, 64);
    this.zobristLo = new Int32Array(n);
    this.zobristHi = new Int32Array(n);
    let seed = 0x2545f491;
    const random = () => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed | 0;
    };
    for (let i = 0; i < n; i++) {
      this.zobristLo[i] = random();
      this.zobristHi[i] = random();
    }
    this.stackNode = new Int32Array(n);
    this.stackOp = new Int32Array(n);
    this.stackState = new Array(n);
    this.stackSid = new Int32Array(n);
    this.remaining = model.canonical ? new RemainingTracker(model, operations) : undefined;
    this.state = model.init();
    this.stateId = 0;
    this.stateIds!.set(model.key(this.state), 0);
    this.entry = this.next[0];
  }

  run(maxSteps: number): SearchStatus {
    if (this.status !== "running") return this.status;
    if (this.disposed) throw new Error("run() on a disposed search");
    const {
      model,
      ops,
      prev,
      next,
      nodeOp,
      kind,
      match,
      indeterminate,
      bits,
      zobristLo,
      zobristHi,
      prefixes,
    } = this;
    const memo = this.memo!;
    const stateIds = this.stateIds!;
    const { stackNode, stackOp, stackState, stackSid, remaining } = this;
    const timed = model.earliestNextTime !== undefined;
    let { state, stateId, entry, depth, hashLo, hashHi, remainingDeterminate } = this;
    let budget = maxSteps;
    let taken = 0; // counted apart: with maxSteps = Infinity, maxSteps - budget would be NaN
    let status: SearchStatus = "running";
    for (;;) {
      if (remainingDeterminate === 0) {
        status = "linearizable";
        break;
      }
      const node = entry;
      if (kind[node] === CALL) {
        if (budget <= 0) break;
        budget--;
        taken++;
        const i = nodeOp[node];
        const raw = model.step(state, ops[i]);
        if (raw !== undefined) {
          const after = remaining
            ? model.canonical!(raw, remaining.focus(i, this.earliestInvokeWithout(node)))
            : raw;
          const key = model.key(after);
          let sid = stateIds.get(key);
          if (sid === undefined) {
            sid = stateIds.size;
            stateIds.set(key, sid);
          }
          const lo = hashLo ^ zobristLo[i];
          const hi = hashHi ^ zobristHi[i];
          bits[i >>> 5] ^= 1 << (i & 31);
          // An indeterminate op that leaves the state as it was is never worth placing: every way on
          // from there is also open without it (nothing has to follow it), so it is skipped.
          const useless =
            (indeterminate[i] === 1 && (model.unchanged ? model.unchanged(state, after) : sid === stateId)) ||
            (timed && this.isTooLate(raw, node));
          if (!useless && memo.insertIfAbsent(lo, hi, sid, bits)) {
            stackNode[depth] = node;
            stackOp[depth] = i;
            stackState[depth] = state;
            stackSid[depth] = stateId;
            depth++;
            state = after;
            stateId = sid;
            hashLo = lo;
            hashHi = hi;
            if (indeterminate[i] === 0) remainingDeterminate--;
            remaining?.placed(i);
            // lift the call and its return out of the list
            const ret = match[node];
            next[prev[node]] = next[node];
            prev[next[node]] = prev[node];
            next[prev[ret]] = next[ret];
            if (next[ret] !== END) prev[next[ret]] = prev[ret];
            prefixes.reached(depth);
            entry = next[0];
            if (memo.size > this.maxCacheEntries) {
              status = "memory-limit";
              break;
            }
            continue;
          }
          bits[i >>> 5] ^= 1 << (i & 31);
        }
        entry = next[node];
      } else {
        // A return whose op is not linearized yet: this path is dead, undo the last op.
        if (depth === 0) {
          status = "illegal";
          break;
        }
        prefixes.leaving(stackOp, depth, ops);
        depth--;
        const top = stackNode[depth];
        const i = stackOp[depth];
        state = stackState[depth];
        stateId = stackSid[depth];
        stackState[depth] = undefined;
        hashLo ^= zobristLo[i];
        hashHi ^= zobristHi[i];
        bits[i >>> 5] ^= 1 << (i & 31);
        if (indeterminate[i] === 0) remainingDeterminate++;
        remaining?.unplaced(i);
        // unlift: the return first, then the call
        const ret = match[top];
        next[prev[ret]] = ret;
        if (next[ret] !== END) prev[next[ret]] = ret;
        next[prev[top]] = top;
        prev[next[top]] = top;
        entry = next[top];
      }
    }
    this.steps += taken;
    this.state = state;
    this.stateId = stateId;
    this.entry = entry;
    this.depth = depth;
    this.hashLo = hashLo;
    this.hashHi = hashHi;
    this.remainingDeterminate = remainingDeterminate;
    if (status !== "running") {
      this.status = status;
      this.releaseMemo();
    }
    return this.status;
  }

  /**
   * Whether, after placing the call `node` and reaching `after`, some determinate op that must still be
   * placed has completed before the model's earliest next time: then no way on exists (and placing
   * more unknown ops only moves the time later), so the search need not go there.
   */
  private isTooLate(after: unknown, node: number): boolean {
    const time = this.model.earliestNextTime!(after);
    const { next, kind, match, nodeOp, ops } = this;
    const ownReturn = match[node];
    for (let r = next[0]; r !== END; r = next[r]) {
      if (kind[r] === CALL || r === ownReturn) continue;
      return ops[nodeOp[r]].completeTime < time;
    }
    return false;
  }

  /** The invokeTime of the earliest call still in the list other than `node` (the list is in time order). */
  private earliestInvokeWithout(node: number): number {
    const { next, kind, nodeOp, ops } = this;
    for (let r = next[0]; r !== END; r = next[r]) {
      if (kind[r] === CALL && r !== node) return ops[nodeOp[r]].invokeTime;
    }
    return Number.POSITIVE_INFINITY;
  }

  longestPrefixes(limit: number): number[][] {
    return this.prefixes.take(limit);
  }

  failingOperation(): number {
    const longest = this.prefixes.found[0] ?? [];
    return blockingOperation(longest, this.ops, this.events);
  }

  /** Entries in the memo cache (0 once the search is over). */
  get cacheEntries(): number {
    return this.memo?.size ?? 0;
  }

  private releaseMemo(): void {
    this.memo = undefined;
    this.stateIds = undefined;
    this.stackState.fill(undefined);
  }

  dispose(): void {
    this.disposed = true;
    this.releaseMemo();
  }
}

export const tsEngine: Engine = {
  name: "ts",
  supports: () => true,
  start(model, operations, limits) {
    return new TsSearch(model as Model<unknown>, operations, limits);
  },
};
