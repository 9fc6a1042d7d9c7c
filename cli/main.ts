// The `locksmith` command: wires the subcommands together and maps errors to exit codes.
// It must never print a stack trace for bad input (exit 254), only for a crash (exit 255).

import { Command, CommanderError } from "commander";
import { HistoryInputError } from "../histories/op.js";
import { registerCheck } from "./commands/check.js";
import { registerCleanup } from "./commands/cleanup.js";
import { registerDoctor } from "./commands/doctor.js";
import { registerRecord } from "./commands/record.js";
import { EXIT_BAD_INPUT, EXIT_CRASH, UsageError } from "./exit-codes.js";

export function buildProgram(): Command {
  const program = new Command("locksmith")
    .description("A Jepsen-style safety checker for distributed locks")
    .exitOverride()
    .showHelpAfterError(false);
  registerCheck(program);
  registerRecord(program);
  registerDoctor(program);
  registerCleanup(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: "user" });
    return typeof process.exitCode === "number" ? process.exitCode : 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === "commander.helpDisplayed" || err.code === "commander.version") return 0;
      return EXIT_BAD_INPUT; // commander already printed what is wrong
    }
    if (err instanceof UsageError || err instanceof HistoryInputError) {
      process.stderr.write(`locksmith: ${err.message}\n`);
      return EXIT_BAD_INPUT;
    }
    process.stderr.write(`locksmith: crashed: ${(err as Error)?.stack ?? String(err)}\n`);
    return EXIT_CRASH;
  }
}
