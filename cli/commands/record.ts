// The `locksmith record` command: argument parsing and output only; runner/record.ts does the work
// (start the lock's topology, run the fixed workload with one worker process per client, write
// DIR/history.jsonl and DIR/test.json, tear everything down, also on Ctrl-C). It prints the seed first
// and a summary at the end. Bad arguments or a missing binary with --no-install exit 254, never a stack.

import type { Command } from "commander";
import { MissingBinariesError } from "../../backends/install.js";
import { builtinLockNames } from "../../backends/registry.js";
import { formatSummary, RecordInputError, record } from "../../runner/record.js";
import { RESOURCE_KINDS, type ResourceKind } from "../../runner/resource.js";
import { UsageError } from "../exit-codes.js";

interface RecordCliOptions {
  lock: string;
  clients: string;
  keys: string;
  ttl: string;
  duration: string;
  out: string;
  seed?: string;
  fenced?: boolean;
  install: boolean;
  resources?: string;
  nemesis?: string;
  nemesisInterval?: string;
}

/** A whole number within [min, max], or a UsageError naming the option. */
export function parseWhole(option: string, text: string, min: number, max: number): number {
  if (!/^\d+$/.test(text.trim())) throw new UsageError(`${option}: expected a whole number, got "${text}"`);
  const n = Number(text);
  if (n < min || n > max) throw new UsageError(`${option}: ${n} is outside ${min}..${max}`);
  return n;
}

/** A positive number of seconds (fractions allowed). */
function parseSeconds(option: string, text: string): number {
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0 || n > 86_400) {
    throw new UsageError(`${option}: expected seconds between 0 and 86400, got "${text}"`);
  }
  return n;
}

function parseResources(text: string | undefined): ResourceKind[] | undefined {
  if (text === undefined) return undefined;
  const kinds = text.split(",").map((s) => s.trim());
  for (const k of kinds) {
    if (!(RESOURCE_KINDS as readonly string[]).includes(k)) {
      throw new UsageError(`--resources: "${k}" is not one of ${RESOURCE_KINDS.join(", ")}`);
    }
  }
  return kinds as ResourceKind[];
}

export function registerRecord(program: Command): void {
  program
    .command("record")
    .description(
      "Start the lock's servers, record a contended fixed workload, write DIR/history.jsonl and DIR/test.json",
    )
    .requiredOption(
      "--lock <name>",
      `lock client: ${builtinLockNames().join(", ")}, or an adapter module path`,
    )
    .requiredOption("--out <dir>", "run directory (history.jsonl, test.json)")
    .option("--clients <n>", "client processes", "5")
    .option("--keys <k>", "lock keys the clients contend on", "2")
    .option("--ttl <ms>", "lease TTL in milliseconds", "2000")
    .option("--duration <seconds>", "how long to record", "20")
    .option("--seed <s>", "master seed (default: random, printed first)")
    .option("--fenced", "the protected resource checks fencing tokens")
    .option("--resources <list>", `protected resources, comma-separated (${RESOURCE_KINDS.join(",")})`)
    .option("--no-install", "refuse to install missing binaries (print the command instead)")
    .option(
      "--nemesis <faults>",
      "faults to inject: kill,pause,partition,loss,delay,clock,failover,client-pause or all",
    )
    .option("--nemesis-interval <seconds>", "seconds between fault starts and stops", "5")
    .action(async (opts: RecordCliOptions) => {
      const clients = parseWhole("--clients", opts.clients, 1, 64);
      const keys = parseWhole("--keys", opts.keys, 1, 1_000);
      const ttlMs = parseWhole("--ttl", opts.ttl, 100, 600_000);
      const durationS = parseSeconds("--duration", opts.duration);
      const seed = opts.seed === undefined ? undefined : parseWhole("--seed", opts.seed, 0, 2 ** 32 - 1);
      const resources = parseResources(opts.resources);
      try {
        const result = await record({
          lock: opts.lock,
          clients,
          keys,
          ttlMs,
          durationS,
          outDir: opts.out,
          seed,
          fenced: opts.fenced ?? false,
          noInstall: !opts.install,
          resources,
          handleSignals: true,
          nemesis: opts.nemesis,
          nemesisIntervalS: parseSeconds("--nemesis-interval", opts.nemesisInterval ?? "5"),
        });
        process.stdout.write(`seed ${result.seed}\n${formatSummary(result.summary)}\n`);
      } catch (err) {
        if (err instanceof RecordInputError || err instanceof MissingBinariesError)
          throw new UsageError(err.message);
        throw err;
      }
    });
}
