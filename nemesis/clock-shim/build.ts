// Builds the clock shim (shim.c beside this file's source) with the system C compiler into a per-user cache
// folder, once per version of the source, and returns the path of the shared library.
// It must never write the binary into the source tree, and never run the compiler through a shell.

import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { homedir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Where shim.c lives: beside this module in the source tree, or in the source tree when running from dist/. */
export function shimSourcePath(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, "shim.c"), join(here, "..", "..", "..", "nemesis", "clock-shim", "shim.c")];
  for (const c of candidates) if (existsSync(c)) return c;
  throw new Error(`clock shim source not found (looked at ${candidates.join(", ")})`);
}

/** The per-user cache folder: $LOCKSMITH_CACHE_DIR, else $XDG_CACHE_HOME/locksmith, else ~/.cache/locksmith. */
export function cacheDir(): string {
  if (process.env.LOCKSMITH_CACHE_DIR) return process.env.LOCKSMITH_CACHE_DIR;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "locksmith");
}

let building: Promise<string> | undefined;

/** Compiles the shim if this version of the source is not yet in the cache; returns the .so path. */
export function buildClockShim(): Promise<string> {
  building ??= doBuild().catch((err) => {
    building = undefined;
    throw err;
  });
  return building;
}

async function doBuild(): Promise<string> {
  const source = shimSourcePath();
  const digest = createHash("sha256").update(readFileSync(source)).digest("hex").slice(0, 16);
  const dir = cacheDir();
  const out = join(dir, `clock-shim-${digest}.so`);
  if (existsSync(out)) return out;
  mkdirSync(dir, { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  const cc = process.env.CC || "cc";
  try {
    await run(cc, ["-shared", "-fPIC", "-O2", "-Wall", "-o", tmp, source, "-ldl"], { timeout: 60_000 });
  } catch (err) {
    const e = err as { code?: string; stderr?: string };
    if (e.code === "ENOENT") throw new Error(`no C compiler '${cc}': install one (apt-get install -y gcc)`);
    throw new Error(`building the clock shim failed: ${e.stderr ?? String(err)}`);
  }
  renameSync(tmp, out); // atomic: a concurrent build never sees a half-written library
  return out;
}
