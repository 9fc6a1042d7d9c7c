// The wasm engine: runs one partition's search inside the compiled search core (assembly/), with the
// built-in model's step in wasm on integer states (codecs/ encode the ops), so no JS<->wasm call happens
// per step. Many partitions' searches may be alive at once; each owns one wasm context until dispose().
// A partition is encoded and loaded at its first run (a check that ends at another partition's false
// never pays for it); its op records go into wasm memory in one copy, and the core orders the calls and
// returns itself. It must never import a backend, the nemesis or the runner, and never print.

import type { Model, Operation } from "../../models/model.js";
import type { Engine, PartitionSearch, SearchLimits, SearchStatus } from "../engine.js";
import { realTimeEvents } from "../operations.js";
import type { EncodedPartition, ModelCodec } from "./codecs/codec.js";
import { codecFor } from "./codecs/index.js";
import { loadSearchCore, type SearchCore, wasmAvailable } from "./loader.js";

const STATUS: readonly SearchStatus[] = ["running", "linearizable", "illegal", "memory-limit"];
const ZOBRIST_SEED = 0x5eed;
/** The wasm context's entry limit is an i32. */
const MAX_ENTRIES_CAP = 0x7fff_ffff;

class WasmPartitionSearch implements PartitionSearch {
  private ctx = 0;
  private finished: SearchStatus = "running";
  private finalSteps = 0;
  private prefixes: number[][] = [];
  private failing = -1;

  constructor(
    private readonly core: SearchCore,
    private readonly operations: readonly Operation[],
    enc: EncodedPartition,
    limits: SearchLimits,
  ) {
    const n = operations.length;
    const maxEntries = Math.max(1, Math.min(MAX_ENTRIES_CAP, Math.floor(limits.maxCacheEntries)));
    this.ctx = core.create(enc.model, n, enc.aux.length, enc.keys, maxEntries);
    const ctx = this.ctx;
    // Views are made after create(): a memory.grow detaches earlier ones.
    const i32 = new Int32Array(core.memory.buffer);
    i32.set(enc.records, core.opsPointer(ctx) >> 2);
    i32.set(enc.aux, core.auxPointer(ctx) >> 2);
    if (!enc.orderInWasm) {
      const events = realTimeEvents(operations);
      const orderBase = core.orderPointer(ctx) >> 2;
      for (let k = 0; k < events.length; k++) i32[orderBase + k] = events[k] + 1;
    }
    core.start(
      ctx,
      enc.init[0],
      enc.init[1],
      enc.init[2],
      enc.init[3],
      ZOBRIST_SEED,
      enc.orderInWasm ? 0 : 1,
    );
    if (n === 0) this.run(1);
  }

  get status(): SearchStatus {
    return this.finished;
  }

  get steps(): number {
    return this.ctx !== 0 ? this.core.steps(this.ctx) : this.finalSteps;
  }

  run(maxSteps: number): SearchStatus {
    if (this.finished !== "running" || this.ctx === 0) return this.finished;
    const status = STATUS[this.core.run(this.ctx, Math.max(0, maxSteps))];
    this.finished = status;
    if (status === "illegal") this.collectCounterexample();
    if (status !== "running") {
      this.finalSteps = this.core.steps(this.ctx);
      this.releaseContext();
    }
    return status;
  }

  private collectCounterexample(): void {
    const core = this.core;
    const ctx = this.ctx;
    const ops = this.operations;
    const i32 = new Int32Array(core.memory.buffer);
    const count = core.prefixCount(ctx);
    for (let k = 0; k < count; k++) {
      const len = core.prefixLength(ctx, k);
      const base = core.prefixPointer(ctx, k) >> 2;
      const ids: number[] = [];
      for (let j = 0; j < len; j++) ids.push(ops[i32[base + j]].id);
      this.prefixes.push(ids);
    }
    if (this.prefixes.length === 0) this.prefixes.push([]);
    const failing = core.failingOp(ctx);
    if (failing >= 0) this.failing = ops[failing].id;
    else {
      const placed = new Set(this.prefixes[0]);
      this.failing = ops.find((op) => !placed.has(op.id))?.id ?? -1;
    }
  }

  longestPrefixes(limit: number): number[][] {
    return this.prefixes.slice(0, Math.max(0, limit)).map((p) => [...p]);
  }

  failingOperation(): number {
    return this.failing;
  }

  private releaseContext(): void {
    if (this.ctx !== 0) {
      this.core.release(this.ctx);
      this.ctx = 0;
    }
  }

  dispose(): void {
    if (this.ctx !== 0) this.finalSteps = this.core.steps(this.ctx);
    this.releaseContext();
  }
}

/**
 * Encodes and loads its partition at its first run(), not at start(): the scheduler starts a window of
 * partitions at once, and when one of them is illegal the check ends before the rest ever run.
 */
class DeferredSearch implements PartitionSearch {
  private search: PartitionSearch | undefined;
  private disposed = false;

  constructor(private readonly begin: () => PartitionSearch) {}

  get status(): SearchStatus {
    return this.search ? this.search.status : "running";
  }

  get steps(): number {
    return this.search ? this.search.steps : 0;
  }

  run(maxSteps: number): SearchStatus {
    if (this.disposed) return this.status;
    this.search ??= this.begin();
    return this.search.run(maxSteps);
  }

  longestPrefixes(limit: number): number[][] {
    return this.search ? this.search.longestPrefixes(limit) : [];
  }

  failingOperation(): number {
    return this.search ? this.search.failingOperation() : -1;
  }

  dispose(): void {
    this.disposed = true;
    this.search?.dispose();
  }
}

export interface WasmEngineOptions {
  /** Runs a partition whose encoding is over the codec's limits (e.g. a register with too many values). */
  fallback?: Engine;
}

export function createWasmEngine(options: WasmEngineOptions = {}): Engine {
  const begin = (model: Model, codec: ModelCodec, operations: Operation[], limits: SearchLimits) => {
    let enc: EncodedPartition;
    try {
      enc = codec.encode(model, operations);
    } catch (e) {
      if (options.fallback && e instanceof Error && e.name === "CodecLimitError") {
        return options.fallback.start(model, operations, limits);
      }
      throw e;
    }
    return new WasmPartitionSearch(loadSearchCore(), operations, enc, limits);
  };
  return {
    name: "wasm",
    /** The built-in models, when the search core has been built (npm run build:wasm). */
    supports: (model: Model) => codecFor(model) !== undefined && wasmAvailable(),
    start(model: Model, operations: Operation[], limits: SearchLimits): PartitionSearch {
      const codec = codecFor(model);
      if (!codec) throw new Error(`the wasm engine does not run model ${model.name}`);
      return new DeferredSearch(() => begin(model, codec, operations, limits));
    },
  };
}

export const wasmEngine: Engine = createWasmEngine();
