// What the three lock models (mutex, owner-mutex, lease-lock) share: which ops they read, which they
// ignore (protected-resource ops `res-*`), and the result of an `owner` read. It must never hold state.

import type { Operation } from "./model.js";
import { bareName, field, ModelInputError } from "./values.js";

export type LockF = "acquire" | "release" | "renew" | "owner";

const LOCK_FS = new Set<string>(["acquire", "release", "renew", "owner"]);

/**
 * The common `prepare` of the lock models: ignore `res-*` ops (the effect checks read them), drop an
 * `owner` read whose completion is unknown (it says nothing), reject any other op with a clear error.
 */
export function prepareLockOp(model: string, op: Operation): Operation | undefined {
  const f = bareName(op.f);
  if (f.startsWith("res-")) return undefined;
  if (!LOCK_FS.has(f)) {
    throw new ModelInputError(model, op, "unknown op; lock models know acquire, renew, release and owner");
  }
  if (f === "owner" && op.indeterminate) return undefined;
  return f === op.f ? op : { ...op, f };
}

/** The holder an `owner` read returned: a string, or null for "nobody". */
export function ownerReadResult(op: Operation): string | null {
  const x = field(op.output, "owner");
  if (x === null || x === undefined) return null;
  return String(x);
}
