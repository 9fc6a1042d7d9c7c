// The `locksmith doctor [--json]` command: argument parsing and output only; the checks live in
// backends/doctor-checks.ts and nemesis/doctor.ts. Exit 0 when everything the default run needs is there,
// 254 otherwise. To add checks (e.g. `--faults`), add a group to CHECK_GROUPS; never probe anything here.

import type { Command } from "commander";
import { backendChecks } from "../../backends/doctor-checks.js";
import {
  type CheckOutcome,
  type DoctorCheck,
  defaultRunReady,
  hostChecks,
  runChecks,
} from "../../nemesis/doctor.js";
import { EXIT_BAD_INPUT } from "../exit-codes.js";
import { FAULTS_GROUP } from "./doctor-faults.js";

/** Named groups of checks; "default" always runs, the others when their option is given. */
export const CHECK_GROUPS: Record<
  string,
  { option?: string; description?: string; checks: () => DoctorCheck[] }
> = {
  default: { checks: () => [...backendChecks(), ...hostChecks()] },
  faults: FAULTS_GROUP,
};

export function renderDoctor(outcomes: CheckOutcome[]): string {
  const width = Math.max(...outcomes.map((o) => o.title.length));
  const lines = outcomes.map((o) => {
    const mark = o.ok ? "ok  " : o.requiredForDefault ? "FAIL" : "no  ";
    const head = `${mark} ${o.title.padEnd(width)}  ${o.detail}`;
    return o.ok || !o.fix ? head : `${head}\n     ${" ".repeat(width)}  -> ${o.fix}`;
  });
  const ready = defaultRunReady(outcomes);
  lines.push(
    "",
    ready
      ? "ready: everything the default run needs is here"
      : "not ready: fix the FAIL lines above (the default run needs them)",
  );
  return `${lines.join("\n")}\n`;
}

export function registerDoctor(program: Command): void {
  const cmd = program
    .command("doctor")
    .description(
      "Report what this machine supports (binaries, root, namespaces, iptables, cc, netem, Docker)",
    )
    .option("--json", "print the checks as JSON");
  for (const [name, group] of Object.entries(CHECK_GROUPS)) {
    if (name !== "default" && group.option)
      cmd.option(group.option, group.description ?? `also run the ${name} checks`);
  }
  cmd.action(async (opts: Record<string, unknown>) => {
    const checks: DoctorCheck[] = [];
    for (const [name, group] of Object.entries(CHECK_GROUPS)) {
      const key = group.option?.replace(/^--/, "").replace(/-(\w)/g, (_, c: string) => c.toUpperCase());
      if (name === "default" || (key && opts[key])) checks.push(...group.checks());
    }
    const outcomes = await runChecks(checks);
    const ready = defaultRunReady(outcomes);
    if (opts.json) process.stdout.write(`${JSON.stringify({ ready, checks: outcomes }, null, 2)}\n`);
    else process.stdout.write(renderDoctor(outcomes));
    process.exitCode = ready ? 0 : EXIT_BAD_INPUT;
  });
}
