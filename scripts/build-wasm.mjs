// Build step: compile the AssemblyScript search core (checker/wasm/assembly) to dist/checker/wasm/search.wasm.
// The .wasm is a build product: it must never be committed.
// Runtime: "incremental" for its TLSF allocator (heap.alloc / heap.free), which lets each search context
// free its blocks on dispose so memory is reused; the search itself allocates no managed objects, so the
// collector never runs during a search. `--noAssert`: bounds are the codecs' job, checked by tests.
// `--initialMemory 4096` (256 MiB, reserved, not resident until touched): growing a wasm memory copies or
// remaps it, a pause of tens of ms that the scheduler cannot interrupt (it reads the clock between slices);
// starting large keeps such pauses out of all but the biggest searches, so time limits hold within 10%.
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
  "4096",
];
const r = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(r.status ?? 1);
