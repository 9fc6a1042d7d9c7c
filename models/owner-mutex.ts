// The `owner-mutex` model: a lock that knows its holder. acquire by c only when free; release and renew
// by c only when c holds it; an owner read must return the holder (null when free). The owner of an op
// is value.owner, else its process. It is lease-lock with infinite leases. Pure: never mutates.

import { ownerReadResult, prepareLockOp } from "./lock-ops.js";
import { type Model, partitionByKey } from "./model.js";
import { ownerOf } from "./values.js";

/** The holder's owner id, or null when free. */
export type OwnerMutexState = string | null;

export function ownerMutexModel(): Model<OwnerMutexState> {
  return {
    name: "owner-mutex",
    init: () => null,
    step(holder, op) {
      switch (op.f) {
        case "acquire":
          return holder === null ? ownerOf(op) : undefined;
        case "release":
          return holder !== null && holder === ownerOf(op) ? null : undefined;
        case "renew":
          return holder !== null && holder === ownerOf(op) ? holder : undefined;
        case "owner":
          return ownerReadResult(op) === holder ? holder : undefined;
        default:
          return undefined;
      }
    },
    key: (holder) => (holder === null ? "" : `h${holder}`),
    partition: partitionByKey,
    prepare: (op) => prepareLockOp("owner-mutex", op),
    describeOperation(op) {
      if (op.f === "owner") return `owner -> ${ownerReadResult(op) ?? "none"}`;
      return `${op.f} by ${ownerOf(op)}${op.indeterminate ? " (unknown outcome)" : ""}`;
    },
    describeState: (holder) => (holder === null ? "free" : `held by ${holder}`),
  };
}
