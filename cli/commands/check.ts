// The `locksmith check` command: argument parsing and output only; the work is done by the library it calls.

import type { Command } from "commander";

export function registerCheck(program: Command): void {
  program.command("check").description("(not yet implemented)").action(() => {
    throw new Error("locksmith check is not implemented yet");
  });
}
