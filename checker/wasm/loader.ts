// Loads the compiled search core (dist/checker/wasm/search.wasm, built by `npm run build:wasm`) once per
// process and types its exports. It must never search or know about models; it only finds and
// instantiates the module, synchronously, so an engine can start a search without awaiting.

import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The exports of checker/wasm/assembly/index.ts. Pointers are byte offsets into `memory`. */
export interface SearchCore {
  memory: WebAssembly.Memory;
  create(model: number, n: number, auxInts: number, keys: number, maxEntries: number): number;
  opsPointer(ctx: number): number;
  auxPointer(ctx: number): number;
  orderPointer(ctx: number): number;
  /** orderGiven 0: the core orders the events from the op records; 1: the caller wrote them to orderPointer. */
  start(ctx: number, s0: number, s1: number, s2: number, s3: number, seed: number, orderGiven: number): void;
  run(ctx: number, maxSteps: number): number;
  steps(ctx: number): number;
  cacheEntries(ctx: number): number;
  prefixCount(ctx: number): number;
  prefixLength(ctx: number, k: number): number;
  prefixPointer(ctx: number, k: number): number;
  failingOp(ctx: number): number;
  release(ctx: number): void;
  memoryBytes(): number;
}

/** Bytes per op record; must equal OP_SIZE in assembly/context.ts. */
export const OP_RECORD_BYTES = 64;

let core: SearchCore | undefined;

function candidatePaths(): string[] {
  // Beside the compiled loader (dist/checker/wasm/), or, when run from source, in dist/ of the project.
  return [
    fileURLToPath(new URL("./search.wasm", import.meta.url)),
    fileURLToPath(new URL("../../dist/checker/wasm/search.wasm", import.meta.url)),
  ];
}

let available: boolean | undefined;

/** Whether the compiled core exists (looked up once per process). */
export function wasmAvailable(): boolean {
  available ??= candidatePaths().some((p) => existsSync(p));
  return available;
}

export function loadSearchCore(): SearchCore {
  if (core) return core;
  const path = candidatePaths().find((p) => existsSync(p));
  if (!path) {
    throw new Error(
      `the wasm search core is not built (looked for ${candidatePaths().join(", ")}); run npm run build:wasm`,
    );
  }
  const module = new WebAssembly.Module(readFileSync(path));
  const instance = new WebAssembly.Instance(module, {
    env: {
      abort(_message: number, _file: number, line: number, column: number) {
        throw new Error(`wasm search core aborted at ${line}:${column}`);
      },
    },
  });
  core = instance.exports as unknown as SearchCore;
  return core;
}
