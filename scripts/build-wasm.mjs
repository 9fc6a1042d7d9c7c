// Build step: compile the AssemblyScript search core (checker/wasm/assembly) to dist/checker/wasm/search.wasm.
// The .wasm is a build product: it must never be committed.
// Runtime: "incremental" for its TLSF allocator (heap.alloc / heap.free), which lets each search context
// free its blocks on dispose so memory is reused; the search itself allocates no managed objects, so the
// collector never runs during a search. `--noAssert`: bounds are the codecs' job, checked by tests.
// `--initialMemory 256` (16 MiB), grown on demand (the allocator doubles it): V8 counts a wasm memory as
// external memory, and the former 256 MiB at instantiation set off a GC on the first check of every
// process (measured 7-20 ms, against 0.5-0.9 ms at 16 MiB; 32 MiB already triggered it). On 64-bit V8 a
// grow is in place (no copy); it may set off a GC whose length is the JS heap's (with a 450 MB heap:
// 16 -> 256 MiB in 0.2-3.3 ms per doubling, while a grow past 512 MiB can cost a full collection of
// hundreds of ms, with either initial size). The scheduler reads the clock between slices, so such a
// pause stretches a time limit by its length.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const entry = `${root}checker/wasm/assembly/index.ts`;
if (!existsSync(entry)) {
  console.log("build:wasm: no AssemblyScript sources yet");
  process.exit(0);
}
mkdirSync(`${root}dist/checker/wasm`, { recursive: true });
const asc = `${root}node_modules/assemblyscript/bin/asc.js`;
const args = [
  asc,
  entry,
  "--outFile",
  `${root}dist/checker/wasm/search.wasm`,
  "--optimizeLevel",
  "3",
  "--shrinkLevel",
  "0",
  "--runtime",
  "incremental",
  "--noAssert",
  "--initialMemory",
  "256",
];
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(r.status ?? 1);
