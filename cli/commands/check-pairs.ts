// Finds an op whose completion names another key than its invocation: partitioning by key would split the
// pair across two partitions, so `locksmith check` reports it as bad input at the completion's line
// instead of letting the search fail on a completion "with no invocation". Read-only over the history.

import type { History } from "../../histories/op.js";

export interface KeyMismatch {
  /** History index of the completion. */
  index: number;
  reason: string;
}

export function findKeyMismatch(history: History): KeyMismatch | undefined {
  const openKey = new Map<number | string, string | undefined>();
  for (const op of history) {
    if (op.process === "nemesis") continue;
    if (op.type === "invoke") {
      openKey.set(op.process, op.key);
      continue;
    }
    if (!openKey.has(op.process)) continue; // the loader already refused completions with no invocation
    const invokedKey = openKey.get(op.process);
    openKey.delete(op.process);
    if (op.key !== invokedKey) {
      const show = (k: string | undefined) => (k === undefined ? "no key" : `key ${JSON.stringify(k)}`);
      return {
        index: op.index,
        reason: `this ${op.type} completion of process ${op.process} has ${show(op.key)} but its invocation has ${show(invokedKey)}`,
      };
    }
  }
  return undefined;
}
