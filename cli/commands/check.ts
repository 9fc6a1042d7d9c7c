// The `locksmith check` command: argument parsing and output only; the work is done by the library it calls.
// It must never print a stack trace for bad input: every problem with the file or the arguments becomes a
// UsageError or HistoryInputError (exit 254); a verdict sets the exit code 0 / 1 / 2.

import { existsSync, statSync } from "node:fs";
import { performance } from "node:perf_hooks";
import type { Command } from "commander";
import { check } from "../../checker/check.js";
import { selectEngine } from "../../checker/engines.js";
import { type LockChecksResult, renderLockChecksTable, runLockChecks } from "../../checker/lock-checks.js";
import type { CheckResult, Verdict } from "../../checker/result.js";
import { type HistoryFormat, loadHistory, parseValue } from "../../histories/load.js";
import { type History, HistoryInputError } from "../../histories/op.js";
import { getModel, isModelName, MODEL_NAMES, type ModelOptions } from "../../models/index.js";
import type { Model } from "../../models/model.js";
import { ModelInputError } from "../../models/values.js";
import { EXIT_INVALID, EXIT_UNKNOWN, EXIT_VALID, UsageError } from "../exit-codes.js";
import { lineOfOp } from "./check-lines.js";
import { findKeyMismatch } from "./check-pairs.js";
import { describeCheckResult, formatMs, verdictLine } from "./check-summary.js";

/** The options as commander hands them over (strings until validated). */
interface RawCheckOptions {
  model?: string;
  init?: string;
  partition: boolean;
  timeLimit?: string;
  engine: string;
  json?: boolean;
  ttl?: string;
  epsilon?: string;
  fencing?: boolean;
  nilReads?: string;
}

/** The validated arguments of one `locksmith check`. */
export interface CheckArguments {
  file: string;
  /** undefined: choose from the history (lock ops -> lease-lock with the lock checks). */
  model?: string;
  modelOptions: ModelOptions;
  partition: boolean;
  timeLimitMs?: number;
  engine: "auto" | "wasm" | "ts";
  json: boolean;
}

const LOCK_FUNCTIONS = new Set(["acquire", "release", "renew", "owner"]);

export function registerCheck(program: Command): void {
  program
    .command("check")
    .description(
      "check a recorded history against a model; the exit code is the verdict (0 valid, 1 invalid, 2 unknown)",
    )
    .argument("<file>", "history: JSON lines, Jepsen EDN, Jepsen log lines or a Porcupine KV log (detected)")
    .option("--model <name>", `the model: ${MODEL_NAMES.join(", ")} (default: lease-lock for lock histories)`)
    .option("--init <value>", "the model's initial value, EDN or JSON: 0, nil, {:x 0 :y 0}")
    .option("--no-partition", "check the history as one object instead of key by key")
    .option("--time-limit <seconds>", "give up with `unknown` after this long")
    .option("--engine <engine>", "search engine: wasm, ts, or auto (wasm when it runs the model)", "auto")
    .option("--json", "print one JSON object instead of a summary")
    .option("--ttl <ms>", "lease-lock: the lease TTL for ops that carry no ttlMs")
    .option("--epsilon <e>", "lease-lock: clock drift bound, in [0, 1) (default 0.01)")
    .option("--fencing", "lease-lock: fencing tokens of successful acquires must increase")
    .option(
      "--nil-reads <rule>",
      "register, cas-register: `match-any` (Knossos: a nil read says nothing) or `nil` (Porcupine: the value was nil); default match-any for Jepsen EDN files, else nil",
    )
    .action(async (file: string, raw: RawCheckOptions) => {
      const args = validateArguments(file, raw);
      process.exitCode = await runCheck(args, (text) => process.stdout.write(text));
    });
}

function positiveNumber(flag: string, text: string): number {
  const n = Number(text);
  if (text.trim() === "" || !Number.isFinite(n) || n <= 0) {
    throw new UsageError(`${flag} must be a positive number, got "${text}"`);
  }
  return n;
}

export function validateArguments(file: string, raw: RawCheckOptions): CheckArguments {
  if (raw.model !== undefined && !isModelName(raw.model)) {
    throw new UsageError(`unknown model "${raw.model}"; known models: ${MODEL_NAMES.join(", ")}`);
  }
  if (raw.engine !== "wasm" && raw.engine !== "ts" && raw.engine !== "auto") {
    throw new UsageError(`--engine must be wasm, ts or auto, got "${raw.engine}"`);
  }
  const modelOptions: ModelOptions = {};
  if (raw.init !== undefined) {
    try {
      modelOptions.initial = parseValue(raw.init);
    } catch (err) {
      throw new UsageError(
        `--init: cannot read "${raw.init}" as an EDN or JSON value: ${(err as Error).message}`,
      );
    }
  }
  if (raw.ttl !== undefined) modelOptions.defaultTtlMs = positiveNumber("--ttl", raw.ttl);
  if (raw.epsilon !== undefined) {
    const e = Number(raw.epsilon);
    if (raw.epsilon.trim() === "" || !(e >= 0 && e < 1)) {
      throw new UsageError(`--epsilon must be a number in [0, 1), got "${raw.epsilon}"`);
    }
    modelOptions.epsilon = e;
  }
  if (raw.fencing) modelOptions.fencing = true;
  if (raw.nilReads !== undefined) {
    if (raw.nilReads !== "match-any" && raw.nilReads !== "nil") {
      throw new UsageError(`--nil-reads must be match-any or nil, got "${raw.nilReads}"`);
    }
    modelOptions.nilReadMatchesAny = raw.nilReads === "match-any";
  }
  const args: CheckArguments = {
    file,
    model: raw.model,
    modelOptions,
    partition: raw.partition !== false,
    engine: raw.engine,
    json: raw.json === true,
  };
  if (raw.timeLimit !== undefined) args.timeLimitMs = positiveNumber("--time-limit", raw.timeLimit) * 1000;
  if (!existsSync(file)) throw new UsageError(`${file}: no such file`);
  if (!statSync(file).isFile()) throw new UsageError(`${file}: not a regular file`);
  return args;
}

function exitCodeOf(valid: Verdict): number {
  if (valid === true) return EXIT_VALID;
  if (valid === false) return EXIT_INVALID;
  return EXIT_UNKNOWN;
}

function hasLockOps(history: History): boolean {
  return history.some(
    (op) => op.process !== "nemesis" && LOCK_FUNCTIONS.has(op.f.startsWith(":") ? op.f.slice(1) : op.f),
  );
}

/** Build the model and make sure the engine can run it, turning their complaints into usage errors. */
function buildModel(name: string, options: ModelOptions, engine: CheckArguments["engine"]): Model<unknown> {
  let model: Model<unknown>;
  try {
    model = getModel(name, options);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  try {
    selectEngine(engine, model);
  } catch (err) {
    throw new UsageError(`--engine ${engine}: ${(err as Error).message}`);
  }
  return model;
}

/** Load, check and print; returns the exit code. Bad input throws UsageError / HistoryInputError. */
export async function runCheck(args: CheckArguments, write: (text: string) => void): Promise<number> {
  const loaded = await loadHistory(args.file);
  for (const warning of loaded.warnings) process.stderr.write(`locksmith: warning: ${warning}\n`);
  const history = loaded.history;
  const modelName = args.model ?? (hasLockOps(history) ? "lease-lock" : undefined);
  if (modelName === undefined) {
    throw new UsageError(
      `${args.file}: no lock ops in this history; say which model with --model (${MODEL_NAMES.join(", ")})`,
    );
  }
  const modelOptions = { ...args.modelOptions };
  // Knossos records a read whose value it does not know as nil: Jepsen EDN histories get Knossos's rule.
  if (modelOptions.nilReadMatchesAny === undefined && loaded.format === "jepsen-edn")
    modelOptions.nilReadMatchesAny = true;
  const model = buildModel(modelName, modelOptions, args.engine);
  // Order-only models need nothing but the file order; a timed model's verdict rests on made-up times.
  if (loaded.timesSynthesized && model.earliestNextTime !== undefined) {
    process.stderr.write(
      `locksmith: warning: ${args.file}: no op has a time: times synthesized from the file order, 1 µs apart; ` +
        `${modelName}'s lease timings are meaningless on this history\n`,
    );
  }
  if ((args.partition && model.partition !== undefined) || modelName === "lease-lock") {
    const mismatch = findKeyMismatch(history);
    if (mismatch) throw inputErrorAt(args.file, loaded.format, mismatch.index, mismatch.reason);
  }
  const checkOptions = { engine: args.engine, partition: args.partition, timeLimitMs: args.timeLimitMs };

  if (modelName === "lease-lock") {
    const lockOptions = {
      ...args.modelOptions,
      engine: args.engine === "auto" ? undefined : args.engine,
      partition: args.partition,
      timeLimitMs: args.timeLimitMs,
    };
    const started = performance.now();
    const locks: LockChecksResult = await runInputChecked(args.file, loaded.format, () =>
      runLockChecks(history, model, lockOptions),
    );
    const elapsedMs = performance.now() - started;
    const search = locks.checks.linearizable.result;
    if (args.json) {
      const report = {
        file: args.file,
        format: loaded.format,
        historyOps: history.length,
        valid: locks.valid,
        elapsedMs,
        checks: locks.checks,
      };
      write(`${JSON.stringify(report)}\n`);
    } else {
      write(
        `${args.file}: ${verdictLine(locks.valid)} (lock checks, ${formatMs(elapsedMs)}, parsing excluded)\n`,
      );
      write(renderLockChecksTable(locks));
      if (search && search.valid !== true) {
        write(
          `\nlinearizability:\n${describeCheckResult(search, { file: args.file, historyOps: history.length })}`,
        );
      }
    }
    return exitCodeOf(locks.valid);
  }

  const result: CheckResult = await runInputChecked(args.file, loaded.format, () =>
    check(history, model, checkOptions),
  );
  if (args.json) {
    write(
      `${JSON.stringify({ file: args.file, format: loaded.format, historyOps: history.length, ...result })}\n`,
    );
  } else {
    write(describeCheckResult(result, { file: args.file, historyOps: history.length }));
  }
  return exitCodeOf(result.valid);
}

/** `file:line: reason` at the line of history op `index`; without a line (an op the loader added), `file: reason`. */
function inputErrorAt(file: string, format: HistoryFormat, index: number, reason: string): Error {
  const line = lineOfOp(file, format, index);
  return line !== undefined
    ? new HistoryInputError(file, line, reason)
    : new UsageError(`${file}: ${reason}`);
}

/**
 * A model's complaint about one op is bad input, not a crash: report it at the op's line in the file.
 * ModelInputError carries the op's history index (opIndex); the pairing of
 * invocations and completions names it in its message ("history index N: ...") when a history is
 * inconsistent in a way the loader let through.
 */
async function runInputChecked<T>(
  file: string,
  format: HistoryFormat,
  work: () => Promise<T> | T,
): Promise<T> {
  try {
    return await work();
  } catch (err) {
    const message = (err as Error)?.message ?? "";
    if (err instanceof ModelInputError) throw inputErrorAt(file, format, err.opIndex, message);
    const pairing = /^history index (\d+): (.*)$/s.exec(message);
    if (err instanceof Error && err.constructor === Error && pairing) {
      throw inputErrorAt(file, format, Number(pairing[1]), pairing[2]);
    }
    throw err;
  }
}
