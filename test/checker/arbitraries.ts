// fast-check arbitraries of small random histories for every built-in model, including info ops, for the
// property tests that hold the engines (ts, wasm, oracle) to one answer. Exported for every engine's tests.
// Half are simulated (a sequential run at random points inside the intervals, so often linearizable, with
// some outputs perturbed), half are free-form (mostly not). Test-only: never imported by production code.

import fc from "fast-check";
import type { History } from "../../histories/op.js";
import { getModel, type ModelOptions } from "../../models/index.js";
import type { Model, Operation } from "../../models/model.js";
import { buildHistory, type OpSpec } from "../models/history-builder.js";

/** One kind of op a model accepts: its f, key, input, and the outputs it could return. */
export interface OpTemplate {
  f: string;
  key?: string;
  input: unknown;
  /** Candidate outputs (for ops that return something); undefined: the output is the input. */
  outputs?: unknown[];
}

export interface ModelCase {
  /** A label for test names. */
  label: string;
  model: string;
  options: ModelOptions;
  templates: OpTemplate[];
  /** Times in the history are (integer units) × scale: lease-lock uses ms in ns. */
  scale: number;
}

const vals = [0, 1, 2];
const owners = ["a", "b", "c"];

function registerTemplates(withCas: boolean): OpTemplate[] {
  const t: OpTemplate[] = [];
  for (const v of vals) t.push({ f: "write", input: v });
  t.push({ f: "read", input: null, outputs: [0, 1, 2, null] });
  t.push({ f: "read", input: null, outputs: [0, 1, 2, null] });
  if (withCas) for (const a of vals) for (const b of vals) if (a !== b) t.push({ f: "cas", input: [a, b] });
  return t;
}

function kvTemplates(): OpTemplate[] {
  const texts = ["", "x", "y", "xy", "yx", "xx", "yy", "xyx"];
  const t: OpTemplate[] = [];
  for (const key of ["k1", "k2"]) {
    t.push({ f: "put", key, input: "x" }, { f: "put", key, input: "y" });
    t.push({ f: "append", key, input: "x" }, { f: "append", key, input: "y" });
    t.push({ f: "get", key, input: null, outputs: texts }, { f: "get", key, input: null, outputs: texts });
  }
  return t;
}

function multiRegisterTemplates(): OpTemplate[] {
  const t: OpTemplate[] = [];
  const reads = (keys: string[]) => {
    const outs: unknown[] = [];
    for (const a of vals) {
      if (keys.length === 1) outs.push([["read", keys[0], a]]);
      else
        for (const b of vals)
          outs.push([
            ["read", keys[0], a],
            ["read", keys[1], b],
          ]);
    }
    return outs;
  };
  t.push({ f: "txn", input: [["read", "x", null]], outputs: reads(["x"]) });
  t.push({
    f: "txn",
    input: [
      ["read", "x", null],
      ["read", "y", null],
    ],
    outputs: reads(["x", "y"]),
  });
  for (const v of vals) {
    t.push({ f: "txn", input: [["write", "x", v]] }, { f: "txn", input: [["write", "y", v]] });
    t.push({
      f: "txn",
      input: [
        ["write", "x", v],
        ["write", "y", (v + 1) % 3],
      ],
    });
  }
  return t;
}

function lockTemplates(withRenew: boolean): OpTemplate[] {
  const t: OpTemplate[] = [];
  const ownerOutputs = [null, ...owners].map((o) => ({ owner: o }));
  for (const owner of owners) {
    for (const ttlMs of [4, 9]) {
      t.push({ f: "acquire", input: { owner, ttlMs } });
      if (withRenew) t.push({ f: "renew", input: { owner, ttlMs } });
    }
    t.push({ f: "release", input: { owner } });
  }
  t.push({ f: "owner", input: {}, outputs: ownerOutputs });
  return t;
}

export const MODEL_CASES: ModelCase[] = [
  {
    label: "register",
    model: "register",
    options: { initial: 0 },
    templates: registerTemplates(false),
    scale: 1,
  },
  { label: "cas-register", model: "cas-register", options: {}, templates: registerTemplates(true), scale: 1 },
  { label: "kv", model: "kv", options: {}, templates: kvTemplates(), scale: 1 },
  {
    label: "multi-register",
    model: "multi-register",
    options: { initial: { x: 0, y: 0 } },
    templates: multiRegisterTemplates(),
    scale: 1,
  },
  { label: "mutex", model: "mutex", options: {}, templates: lockTemplates(true), scale: 1 },
  { label: "owner-mutex", model: "owner-mutex", options: {}, templates: lockTemplates(true), scale: 1 },
  {
    label: "lease-lock",
    model: "lease-lock",
    options: { epsilon: 0.1 },
    templates: lockTemplates(true),
    scale: 1_000_000,
  },
  {
    label: "lease-lock fenced",
    model: "lease-lock",
    options: { epsilon: 0.01, fencing: true },
    templates: lockTemplates(true),
    scale: 1_000_000,
  },
];

interface RawOp {
  template: number;
  start: number;
  length: number;
  /** Where in its interval the simulation places it, 0..1. */
  at: number;
  /** ok, info or fail as generated. */
  kind: "ok" | "info" | "fail";
  /** info ops: whether the simulation lets it take effect. */
  happened: boolean;
  /** Which candidate output a free-form op reports (or, perturbed, a simulated one). */
  pick: number;
  perturb: boolean;
}

function rawOps(c: ModelCase, maxOps: number): fc.Arbitrary<RawOp[]> {
  return fc.array(
    fc.record({
      template: fc.nat(c.templates.length - 1),
      start: fc.nat(30),
      length: fc.nat(12),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
      kind: fc.constantFrom<"ok" | "info" | "fail">("ok", "ok", "ok", "ok", "info", "fail"),
      happened: fc.boolean(),
      pick: fc.nat(50),
      perturb: fc.nat(9).map((n) => n < 2),
    }),
    { minLength: 1, maxLength: maxOps },
  );
}

function withToken(output: unknown, token: number | undefined): unknown {
  if (token === undefined) return output;
  return { ...(output as object), token: String(token) };
}

/** A sequential run of the ops at their chosen points: outputs the model accepts, illegal mutations fail. */
function simulate(c: ModelCase, model: Model, raw: RawOp[]): OpSpec[] {
  const placed = raw.map((r, i) => ({ r, i, point: r.start + r.length * r.at }));
  placed.sort((a, b) => a.point - b.point || a.i - b.i);
  let state = model.init();
  let token = 0;
  const specs: OpSpec[] = new Array(raw.length);
  for (const { r, i, point } of placed) {
    const t = c.templates[r.template];
    const spec: OpSpec = { p: i, f: t.f, key: t.key, in: t.input, start: r.start, end: r.start + r.length };
    const fenced = c.options.fencing && t.f === "acquire";
    const asOp = (output: unknown): Operation | undefined => {
      const op: Operation = {
        id: i,
        process: i,
        f: t.f,
        key: t.key,
        input: t.input,
        output,
        indeterminate: false,
        invokeTime: point * c.scale,
        completeTime: point * c.scale,
      };
      return model.prepare ? model.prepare(op) : op;
    };
    let output: unknown = t.input;
    if (t.outputs) {
      const legal = t.outputs.filter((o) => {
        const op = asOp(o);
        return op !== undefined && model.step(state, op) !== undefined;
      });
      output =
        legal.length > 0 && !r.perturb ? legal[r.pick % legal.length] : t.outputs[r.pick % t.outputs.length];
    } else if (fenced) {
      output = withToken(t.input, r.perturb ? r.pick % 4 : token + 1);
    }
    spec.out = output;
    const op = asOp(output);
    const next = op && (r.kind !== "info" || r.happened) ? model.step(state, op) : state;
    if (r.kind === "fail" || (next === undefined && !t.outputs && !r.perturb)) {
      spec.type = "fail";
    } else if (r.kind === "info") {
      spec.type = "info";
    }
    if (next !== undefined && spec.type !== "fail") {
      state = next;
      if (fenced && !r.perturb && (r.kind !== "info" || r.happened)) token++;
    }
    specs[i] = spec;
  }
  return specs;
}

/** Free-form: every op reports some candidate output, ok/info/fail as drawn. */
function freeForm(c: ModelCase, raw: RawOp[]): OpSpec[] {
  return raw.map((r, i) => {
    const t = c.templates[r.template];
    let out: unknown = t.outputs ? t.outputs[r.pick % t.outputs.length] : t.input;
    if (c.options.fencing && t.f === "acquire") out = withToken(t.input, r.pick % 5);
    return {
      p: i,
      f: t.f,
      key: t.key,
      in: t.input,
      out,
      start: r.start,
      end: r.start + r.length,
      type: r.kind,
    };
  });
}

/** Small random histories for `c` (at most maxOps invocations), simulated or free-form. */
export function historyArbitrary(c: ModelCase, maxOps = 8): fc.Arbitrary<History> {
  return fc.tuple(fc.boolean(), rawOps(c, maxOps)).map(([simulated, raw]) => {
    const model = getModel(c.model, c.options);
    const specs = simulated ? simulate(c, model, raw) : freeForm(c, raw);
    return buildHistory(specs, c.scale);
  });
}
