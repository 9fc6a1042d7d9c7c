// fast-check arbitraries of small random histories for every model the wasm engine runs, used to hold the
// wasm engine, the TS engine and the oracle to one answer. They build real histories (invoke, then ok /
// info / fail per process, Jepsen's fresh process after info) so the whole path through toOperations is
// exercised. They must never decide a verdict themselves.

import fc from "fast-check";
import type { History, Op, OpType } from "../../histories/op.js";

/** What one op does: its f and key, the invocation's value and the value an ok completion returns. */
export interface OpPlan {
  f: string;
  key?: string;
  input: unknown;
  output: unknown;
}

interface Action {
  proc: number;
  completion: OpType;
  dt: number;
  plan: OpPlan;
}

/**
 * A history from a list of actions: an action on an idle process invokes its plan; on a busy one it
 * completes the open op (ok, info or fail). Ops still open at the end stay open (indeterminate).
 */
export function buildHistory(actions: readonly Action[], closeAll: boolean): History {
  const history: Op[] = [];
  const open = new Map<number, { plan: OpPlan; pid: number }>();
  const generation = new Map<number, number>();
  let time = 0;
  const push = (op: Omit<Op, "index">) => history.push({ index: history.length, ...op });
  const complete = (proc: number, type: OpType) => {
    const { plan, pid } = open.get(proc)!;
    open.delete(proc);
    const value = type === "ok" ? plan.output : plan.input;
    push({ time, process: pid, type, f: plan.f, key: plan.key, value });
    if (type === "info") generation.set(proc, (generation.get(proc) ?? 0) + 1);
  };
  for (const a of actions) {
    time += a.dt;
    if (open.has(a.proc)) complete(a.proc, a.completion);
    else {
      const pid = a.proc + 10 * (generation.get(a.proc) ?? 0);
      open.set(a.proc, { plan: a.plan, pid });
      push({ time, process: pid, type: "invoke", f: a.plan.f, key: a.plan.key, value: a.plan.input });
    }
  }
  if (closeAll) {
    for (const proc of [...open.keys()]) {
      time += 1;
      complete(proc, "ok");
    }
  }
  return history;
}

const completion = fc.constantFrom<OpType>("ok", "ok", "ok", "ok", "ok", "info", "fail");

export function historyArb(plan: fc.Arbitrary<OpPlan>, maxActions: number, dt: fc.Arbitrary<number>) {
  const action = fc.record({ proc: fc.integer({ min: 0, max: 3 }), completion, dt, plan });
  return fc
    .tuple(fc.array(action, { minLength: 1, maxLength: maxActions, size: "max" }), fc.boolean())
    .map(([actions, closeAll]) => buildHistory(actions, closeAll));
}

const smallDt = fc.constantFrom(0, 1, 1, 2, 5);
const value = fc.constantFrom<unknown>(0, 1, 2);
const readValue = fc.constantFrom<unknown>(null, 0, 1, 2);

export const registerPlan: fc.Arbitrary<OpPlan> = fc.oneof(
  readValue.map((v) => ({ f: "read", input: null, output: v })),
  value.map((v) => ({ f: "write", input: v, output: v })),
);

export const casRegisterPlan: fc.Arbitrary<OpPlan> = fc.oneof(
  registerPlan,
  fc.tuple(value, value).map(([a, b]) => ({ f: "cas", input: [a, b], output: [a, b] })),
);

const micro = fc.tuple(fc.constantFrom("read", "write"), fc.constantFrom("x", "y"), value);
export const multiRegisterPlan: fc.Arbitrary<OpPlan> = fc
  .array(micro, { minLength: 1, maxLength: 3 })
  .map((ms) => {
    const input = ms.map(([f, k, v]) => [f, k, f === "read" ? null : v]);
    return { f: "txn", input, output: ms };
  });

const kvKey = fc.constantFrom("a", "b");
export const kvPlan: fc.Arbitrary<OpPlan> = fc.oneof(
  fc
    .tuple(kvKey, fc.constantFrom("", "x", "xy", "y", "xyx", "yx", "xx"))
    .map(([key, v]) => ({ f: "get", key, input: null, output: v })),
  fc
    .tuple(kvKey, fc.constantFrom("", "x", "y", "xy"))
    .map(([key, v]) => ({ f: "put", key, input: v, output: v })),
  fc
    .tuple(kvKey, fc.constantFrom("x", "y", "yx"))
    .map(([key, v]) => ({ f: "append", key, input: v, output: v })),
);

const owner = fc.constantFrom("a", "b", "c");
/** Lease ops; times are ns, TTLs 1-2 ms, so steps of 0.99 ms and 1 ms land exactly on lease ends. */
export function lockPlan(withKeys: boolean): fc.Arbitrary<OpPlan> {
  const key = withKeys ? fc.constantFrom("k1", "k2") : fc.constant("k1");
  const ttl = fc.constantFrom(1, 2);
  const token = fc.option(fc.constantFrom("1", "2", "3", "10"), { nil: undefined });
  const granted = fc.option(fc.constantFrom(0, 500_000, 2_000_000), { nil: undefined });
  return fc.oneof(
    fc.record({ key, o: owner, ttl, token, granted }).map(({ key, o, ttl, token, granted }) => ({
      f: "acquire",
      key,
      input: { owner: o, ttlMs: ttl },
      output: {
        owner: o,
        ttlMs: ttl,
        ...(token === undefined ? {} : { token }),
        ...(granted === undefined ? {} : { leaseGrantedAt: granted }),
      },
    })),
    fc.record({ key, o: owner, ttl }).map(({ key, o, ttl }) => ({
      f: "renew",
      key,
      input: { owner: o, ttlMs: ttl },
      output: { owner: o, ttlMs: ttl },
    })),
    fc
      .record({ key, o: owner })
      .map(({ key, o }) => ({ f: "release", key, input: { owner: o }, output: { owner: o } })),
    fc.record({ key, x: fc.option(owner, { nil: null }) }).map(({ key, x }) => ({
      f: "owner",
      key,
      input: {},
      output: { owner: x },
    })),
  );
}

/** Time steps for lease histories: ties, tiny steps, and steps that land on ttl·(1−ε) boundaries. */
export const leaseDt = fc.constantFrom(0, 0, 1, 250_000, 500_000, 500_000, 500_000, 990_000, 1_000_000);

export { smallDt };
