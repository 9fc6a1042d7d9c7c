// The result shape every effect check returns (DESIGN.md section 5): a verdict, counts, and for each
// violation the history indexes that prove it. Plain data only: never import a backend or the nemesis.

import type { Verdict } from "../result.js";

export type EffectCheckName = "exclusion" | "lost-updates" | "fencing" | "lease-usage";

export interface EffectViolation {
  /** What went wrong, e.g. "interleaved-accesses", "lost-addition", "token-went-back", "access-after-lease-end". */
  kind: string;
  /** One sentence a user can follow, with owners, times (ms) and history indexes. */
  explanation: string;
  /** History indexes of the ops that prove it, in time order (docs/effect-checks.md says which op of each pair). */
  ops: number[];
  /** The lock key the violation is on. */
  key: string;
}

export interface EffectCheckResult {
  check: EffectCheckName;
  valid: Verdict;
  /** true when the history has no data for this check (then `valid` is true and means nothing). */
  noData: boolean;
  /** Why the verdict is unknown, or why there is no data. */
  reason?: string;
  counts: Record<string, number>;
  violations: EffectViolation[];
}

/** Options shared by the effect checks. */
export interface EffectCheckOptions {
  /** Clock-rate error bound ε for lease ends: ttl·(1−ε). Default 0.01. */
  epsilon?: number;
  /** TTL (ms) for acquires and renews whose ops carry no `ttlMs` (e.g. Knossos histories). */
  defaultTtlMs?: number;
}

export const DEFAULT_EPSILON = 0.01;
