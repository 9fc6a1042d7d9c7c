// fast-check arbitraries for histories: valid histories of every shape the importers meet (registers, cas,
// txn triples, lock ops with objects, nemesis ops, keys, errors), built so that they obey every reader rule.

import fc from "fast-check";
import type { Op, OpType, ProcessId } from "../../histories/op.js";

const FS = ["read", "write", "cas", "acquire", "release", "txn", "append"] as const;

const valueFor = (f: string): fc.Arbitrary<unknown> => {
  switch (f) {
    case "read":
      return fc.constantFrom(null, 0, 1, 2);
    case "write":
      return fc.integer({ min: -5, max: 5 });
    case "cas":
      return fc.tuple(fc.nat(4), fc.nat(4));
    case "txn":
      return fc.array(
        fc.tuple(
          fc.constantFrom("read", "write"),
          fc.constantFrom("x", "y"),
          fc.option(fc.nat(3), { nil: null }),
        ),
        { minLength: 1, maxLength: 3 },
      );
    case "append":
      return fc.string({ maxLength: 8 });
    default:
      return fc.oneof(
        fc.constant(undefined),
        fc.record({ owner: fc.string({ maxLength: 6 }), ttlMs: fc.nat(5000) }),
        fc.jsonValue({ maxDepth: 2 }),
      );
  }
};

interface Step {
  who: number;
  dt: number;
  f: (typeof FS)[number];
  outcome: OpType;
  value: unknown;
  key: string | undefined;
  error: string | undefined;
}

const step: fc.Arbitrary<Step> = fc
  .record({
    who: fc.nat(5),
    dt: fc.nat(2000),
    f: fc.constantFrom(...FS),
    outcome: fc.constantFrom<OpType>("ok", "ok", "fail", "info"),
    key: fc.option(fc.constantFrom("a", "b", "orders/1"), { nil: undefined }),
    error: fc.option(fc.constantFrom("timed-out", "not-held", "a b"), { nil: undefined }),
  })
  .chain((s) => valueFor(s.f).map((value) => ({ ...s, value })));

/** A valid history: ops pair per process, times never go backwards, indexes dense. */
export const validHistory: fc.Arbitrary<Op[]> = fc.array(step, { maxLength: 60 }).map((steps) => {
  const open = new Map<ProcessId, Op>();
  const ops: Op[] = [];
  let time = 0;
  for (const s of steps) {
    const process: ProcessId = s.who === 5 ? "nemesis" : s.who;
    time += s.dt;
    const inv = open.get(process);
    let op: Op;
    if (inv === undefined) {
      op = { index: ops.length, time, process, type: "invoke", f: s.f };
      if (s.key !== undefined) op.key = s.key;
      if (s.value !== undefined) op.value = s.value;
      open.set(process, op);
    } else {
      op = { index: ops.length, time, process, type: s.outcome, f: inv.f };
      if (inv.key !== undefined) op.key = inv.key;
      if (inv.value !== undefined) op.value = s.outcome === "ok" && inv.f === "read" ? 1 : inv.value;
      if (s.outcome !== "ok" && s.error !== undefined) op.error = s.error;
      open.delete(process);
    }
    ops.push(op);
  }
  return ops;
});
