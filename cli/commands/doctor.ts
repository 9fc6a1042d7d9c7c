// The `locksmith doctor` command: argument parsing and output only; the work is done by the library it calls.

import type { Command } from "commander";

export function registerDoctor(program: Command): void {
  program.command("doctor").description("(not yet implemented)").action(() => {
    throw new Error("locksmith doctor is not implemented yet");
  });
}
