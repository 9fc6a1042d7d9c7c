// Test helper: the node arguments that run `locksmith` from its sources (cli/bin.ts through tsx) with the
// same V8 flags as the binary's shebang. Arguments only: it spawns nothing and asserts nothing.

import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { CLI_NODE_FLAGS } from "../../cli/node-flags.js";

const PROJECT_ROOT = resolve(fileURLToPath(new URL("../..", import.meta.url)));

/** `process.execPath` with these arguments runs `locksmith ARGS` from the sources. */
export function sourceCliArgs(args: string[]): string[] {
  return [...CLI_NODE_FLAGS, "--import", "tsx", join(PROJECT_ROOT, "cli", "bin.ts"), ...args];
}
