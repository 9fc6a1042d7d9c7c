// The `locksmith cleanup [--all] [--run ID] [--state-dir DIR] [--dry-run] [--json]` command: argument parsing and output
// only; nemesis/cleanup.ts undoes what crashed runs left (ledgers whose writer is dead; every open ledger
// with --all). Exit 0 when everything was removed, 255 when something could not be.

import type { Command } from "commander";
import { cleanupLedgers, describeResource } from "../../nemesis/cleanup.js";
import { EXIT_CRASH } from "../exit-codes.js";

export function registerCleanup(program: Command): void {
  program
    .command("cleanup")
    .description(
      "Remove what crashed runs left behind (processes, namespaces, bridges, iptables rules, temp dirs)",
    )
    .option("--all", "also clean ledgers whose writer is still alive")
    .option("--run <id>", "only this run's ledger")
    .option(
      "--state-dir <dir>",
      "where the ledgers are (default: $LOCKSMITH_STATE_DIR or the per-user default)",
    )
    .option("--dry-run", "only list what would be removed")
    .option("--json", "print what was done as JSON")
    .action(
      async (opts: { all?: boolean; run?: string; stateDir?: string; json?: boolean; dryRun?: boolean }) => {
        const results = await cleanupLedgers({
          all: opts.all,
          runId: opts.run,
          stateDir: opts.stateDir,
          dryRun: opts.dryRun,
        });
        const failed = results.some((r) => r.actions.some((a) => a.outcome.startsWith("failed")));
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(results, null, 2)}\n`);
        } else {
          const lines: string[] = [];
          for (const r of results) {
            if (opts.dryRun && (!r.writerAlive || opts.all)) {
              lines.push(
                `run ${r.runId} (runner pid ${r.writerPid}${r.writerAlive ? " alive" : " gone"}): would remove`,
              );
              for (const a of r.actions) lines.push(`  ${describeResource(a.resource)}`);
              continue;
            }
            if (!r.cleaned) {
              lines.push(
                `run ${r.runId}: left alone (its runner, pid ${r.writerPid}, is still alive; --all to force)`,
              );
              continue;
            }
            lines.push(`run ${r.runId} (runner pid ${r.writerPid} is gone):`);
            if (r.actions.length === 0) lines.push("  nothing outstanding");
            for (const a of r.actions)
              lines.push(`  ${a.outcome.padEnd(12)} ${describeResource(a.resource)}`);
          }
          if (results.length === 0) lines.push("nothing to clean: no open ledgers");
          process.stdout.write(`${lines.join("\n")}\n`);
        }
        process.exitCode = failed ? EXIT_CRASH : 0;
      },
    );
}
