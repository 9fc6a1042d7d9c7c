// The `locksmith record` command: argument parsing and output only; the work is done by the library it calls.

import type { Command } from "commander";

export function registerRecord(program: Command): void {
  program.command("record").description("(not yet implemented)").action(() => {
    throw new Error("locksmith record is not implemented yet");
  });
}
