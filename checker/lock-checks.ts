// Runs everything locksmith checks on a lock history: the lease-lock linearizability check and every effect
// check the history has data for, and composes the verdicts as Jepsen does (false beats unknown beats
// true; a check without data is "skipped" and takes no part). It must never import a backend or the nemesis.

import type { History } from "../histories/op.js";
import { getModel } from "../models/index.js";
import type { Model } from "../models/model.js";
import { type CheckOptions, check } from "./check.js";
import { checkExclusion } from "./effects/exclusion.js";
import { checkFencing } from "./effects/fencing.js";
import { checkLeaseUsage } from "./effects/lease-usage.js";
import { checkLostUpdates } from "./effects/lost-updates.js";
import { renderSummaryTable } from "./effects/summary-table.js";
import type { EffectCheckResult, EffectViolation } from "./effects/types.js";
import { type CheckResult, composeVerdicts, type Verdict } from "./result.js";

export type LockCheckName = "linearizable" | "exclusion" | "lost-updates" | "fencing" | "lease-usage";

export const LOCK_CHECK_NAMES: readonly LockCheckName[] = [
  "linearizable",
  "exclusion",
  "lost-updates",
  "fencing",
  "lease-usage",
];

export interface LockCheckEntry {
  /** "skipped": the history has no data for this check (it takes no part in the verdict). */
  valid: Verdict | "skipped";
  /** Why skipped or unknown. */
  reason?: string;
  counts: Record<string, number>;
  violations: EffectViolation[];
  /** linearizable only: the full search result (partitions, counterexample). */
  result?: CheckResult;
}

export interface LockChecksResult {
  valid: Verdict;
  checks: Record<LockCheckName, LockCheckEntry>;
}

/** The search options of checker/check.ts, plus the lease parameters the model and lease-usage share. */
export interface LockChecksOptions extends CheckOptions {
  /** Clock drift bound ε for the model and lease-usage (default 0.01). */
  epsilon?: number;
  /** TTL (ms) for acquires and renews that carry no ttlMs (Knossos histories have none). */
  defaultTtlMs?: number;
  /** Whether the lease-lock model requires increasing fencing tokens on acquires. */
  fencing?: boolean;
  /** A ready lease-lock model; default getModel("lease-lock", {epsilon, fencing, defaultTtlMs}). */
  model?: Model<unknown>;
}

const LOCK_FUNCTIONS = new Set(["acquire", "release", "renew", "owner"]);

function isModel(x: unknown): x is Model<unknown> {
  return typeof x === "object" && x !== null && typeof (x as Model<unknown>).step === "function";
}

function bareF(f: string): string {
  return f.startsWith(":") ? f.slice(1) : f;
}

function fromEffect(r: EffectCheckResult): LockCheckEntry {
  const entry: LockCheckEntry = {
    valid: r.noData ? "skipped" : r.valid,
    counts: r.counts,
    violations: r.violations,
  };
  if (r.reason !== undefined) entry.reason = r.reason;
  return entry;
}

function fromLinearizability(r: CheckResult): LockCheckEntry {
  const entry: LockCheckEntry = {
    valid: r.valid,
    counts: {
      partitions: r.partitions.length,
      operations: r.partitions.reduce((n, p) => n + p.operations, 0),
      steps: r.partitions.reduce((n, p) => n + p.steps, 0),
    },
    violations: [],
    result: r,
  };
  if (r.cause !== undefined) entry.reason = r.cause;
  const cx = r.counterexample;
  if (cx) {
    entry.violations.push({
      kind: "not-linearizable",
      key: cx.key,
      explanation: `no linearization of the lock ops gets past index ${cx.opIndex}: ${cx.description}`,
      ops: [cx.opIndex],
    });
  }
  return entry;
}

/**
 * Run the lock checks on a history. Called as runLockChecks(history, options) or, with a model already built
 * (as `locksmith check` does), runLockChecks(history, model, options).
 */
export function runLockChecks(
  history: History,
  modelOrOptions: Model<unknown> | LockChecksOptions = {},
  more: LockChecksOptions = {},
): LockChecksResult {
  const options: LockChecksOptions = isModel(modelOrOptions)
    ? { ...more, model: modelOrOptions }
    : { ...modelOrOptions, ...more };
  const effectOptions = { epsilon: options.epsilon, defaultTtlMs: options.defaultTtlMs };

  const hasLockOps = history.some((op) => op.process !== "nemesis" && LOCK_FUNCTIONS.has(bareF(op.f)));
  let linearizable: LockCheckEntry;
  if (hasLockOps) {
    const model =
      options.model ??
      getModel("lease-lock", {
        epsilon: options.epsilon,
        fencing: options.fencing,
        defaultTtlMs: options.defaultTtlMs,
      });
    const { epsilon: _e, defaultTtlMs: _t, fencing: _f, model: _m, ...searchOptions } = options;
    linearizable = fromLinearizability(check(history, model, searchOptions));
  } else {
    linearizable = { valid: "skipped", reason: "no lock ops", counts: {}, violations: [] };
  }

  const checks: Record<LockCheckName, LockCheckEntry> = {
    linearizable,
    exclusion: fromEffect(checkExclusion(history)),
    "lost-updates": fromEffect(checkLostUpdates(history)),
    fencing: fromEffect(checkFencing(history)),
    "lease-usage": fromEffect(checkLeaseUsage(history, effectOptions)),
  };
  const verdicts: Verdict[] = [];
  for (const name of LOCK_CHECK_NAMES) {
    const v = checks[name].valid;
    if (v !== "skipped") verdicts.push(v);
  }
  return { valid: composeVerdicts(verdicts), checks };
}

/** The summary table `locksmith check` prints for a lock history: check, verdict, counts, first proof. */
export function renderLockChecksTable(result: LockChecksResult): string {
  return renderSummaryTable(
    result.valid,
    LOCK_CHECK_NAMES.map((name) => ({ check: name, ...result.checks[name] })),
  );
}
