// The `locksmith cleanup` command: argument parsing and output only; the work is done by the library it calls.

import type { Command } from "commander";

export function registerCleanup(program: Command): void {
  program.command("cleanup").description("(not yet implemented)").action(() => {
    throw new Error("locksmith cleanup is not implemented yet");
  });
}
