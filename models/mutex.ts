// The `mutex` model: Knossos's boolean lock. acquire only when free, release only when held; it never
// looks at who acts. renew is legal only while held; an owner read must agree with held/free.
// Pure: it must never mutate a state or an operation.

import { ownerReadResult, prepareLockOp } from "./lock-ops.js";
import { type Model, partitionByKey } from "./model.js";
import { ownerOf } from "./values.js";

export function mutexModel(): Model<boolean> {
  return {
    name: "mutex",
    init: () => false,
    step(held, op) {
      switch (op.f) {
        case "acquire":
          return held ? undefined : true;
        case "release":
          return held ? false : undefined;
        case "renew":
          return held ? true : undefined;
        case "owner":
          return (ownerReadResult(op) !== null) === held ? held : undefined;
        default:
          return undefined;
      }
    },
    key: (held) => (held ? "held" : "free"),
    partition: partitionByKey,
    prepare: (op) => prepareLockOp("mutex", op),
    describeOperation(op) {
      if (op.f === "owner") return `owner -> ${ownerReadResult(op) ?? "none"}`;
      return `${op.f} by ${ownerOf(op)}${op.indeterminate ? " (unknown outcome)" : ""}`;
    },
    describeState: (held) => (held ? "held" : "free"),
  };
}
