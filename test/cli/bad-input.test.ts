// Bad input never crashes `locksmith check`: fast-check feeds random bytes and random mutations of valid
// files (every input format) to the CLI; each run ends in a verdict (exit 0/1/2) or in exit 254 with a
// `file:line: what is wrong` message — never exit 255, never a stack trace. And an over-budget search ends
// `unknown` (exit 2) within 10% of its --time-limit.

import { readFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  generateHopelessAndIllegal,
  generateLockHistory,
  toJsonLines,
} from "../../checker/bench/synthetic.js";
import {
  type CliRun,
  DATA_DIR,
  fileLineMessage,
  makeTempDir,
  runBinary,
  runInProcess,
  STACK_FRAME,
} from "./check-run.js";

const tmp = makeTempDir("bad-input");
afterAll(() => tmp.cleanup());

/** Valid files of every format, small enough to check in milliseconds, with the arguments they need. */
interface Seed {
  name: string;
  text: string;
  args: string[];
}

function firstLines(path: string, n: number): string {
  return readFileSync(path, "utf8").split("\n").slice(0, n).join("\n");
}

const SEEDS: Seed[] = [
  {
    name: "knossos.edn",
    text: readFileSync(`${DATA_DIR}/knossos/cas-register/bad/rethink-fail-minimal.edn`, "utf8"),
    args: ["--model", "cas-register", "--init", "0"],
  },
  {
    name: "knossos-good.edn",
    text: readFileSync(`${DATA_DIR}/knossos/cas-register/good/cas-register-bug.edn`, "utf8"),
    args: ["--model", "cas-register", "--init", "nil"],
  },
  {
    name: "etcd.log",
    text: firstLines(`${DATA_DIR}/porcupine/jepsen/etcd_000.log`, 40),
    args: ["--model", "cas-register"],
  },
  { name: "kv.txt", text: firstLines(`${DATA_DIR}/porcupine/kv/c01-ok.txt`, 40), args: ["--model", "kv"] },
  {
    name: "mutex.edn",
    text: `${firstLines(`${DATA_DIR}/knossos/mutex/bad/etcd.edn`, 40)}]`,
    args: ["--model", "lease-lock", "--ttl", "2000"],
  },
  {
    name: "lock.jsonl",
    text: toJsonLines(
      generateLockHistory({ seed: 3, operations: 20, keys: 2, clients: 3, infoShare: 0.1 }).history,
    ),
    args: ["--model", "lease-lock"],
  },
];

/** Fragments that are likely to break each format in interesting ways. */
const FRAGMENTS = [
  "{",
  "}",
  "[",
  "]",
  '"',
  ":",
  ",",
  "\n",
  "nil",
  "null",
  ":invoke",
  ":ok",
  ":info",
  ":fail",
  '"type":"ok"',
  '"process":"nemesis"',
  '"time":-5',
  "-1",
  "1e309",
  "99999999999999999999",
  "#inst",
  "\\",
  "\u0000",
  "\uFFFD",
  ":cas",
  "[1 2 3]",
  ":process 0",
  "acquire",
  "release",
  '"owner":null',
  "INFO  jepsen.util - 9\t:ok\t:read\t7",
];

type Mutation =
  | { kind: "replace"; at: number; with: string }
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "duplicate-line"; line: number }
  | { kind: "drop-line"; line: number }
  | { kind: "swap-lines"; a: number; b: number }
  | { kind: "truncate"; at: number };

const position = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("replace" as const), at: position, with: fc.constantFrom(...FRAGMENTS) }),
  fc.record({ kind: fc.constant("delete" as const), at: position, length: fc.integer({ min: 1, max: 30 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: position,
    text: fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 12 })),
  }),
  fc.record({ kind: fc.constant("duplicate-line" as const), line: position }),
  fc.record({ kind: fc.constant("drop-line" as const), line: position }),
  fc.record({ kind: fc.constant("swap-lines" as const), a: position, b: position }),
  fc.record({ kind: fc.constant("truncate" as const), at: position }),
);

function applyMutation(text: string, m: Mutation): string {
  const at = (p: number) => Math.floor(p * (text.length + 1));
  const lines = text.split("\n");
  const line = (p: number) => Math.floor(p * lines.length);
  switch (m.kind) {
    case "replace": {
      const i = at(m.at);
      return text.slice(0, i) + m.with + text.slice(i + 1);
    }
    case "delete": {
      const i = at(m.at);
      return text.slice(0, i) + text.slice(i + m.length);
    }
    case "insert": {
      const i = at(m.at);
      return text.slice(0, i) + m.text + text.slice(i);
    }
    case "duplicate-line": {
      const i = line(m.line);
      return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)].join("\n");
    }
    case "drop-line": {
      const i = line(m.line);
      return [...lines.slice(0, i), ...lines.slice(i + 1)].join("\n");
    }
    case "swap-lines": {
      const copy = [...lines];
      const a = line(m.a);
      const b = line(m.b);
      [copy[a], copy[b]] = [copy[b], copy[a]];
      return copy.join("\n");
    }
    case "truncate":
      return text.slice(0, at(m.at));
  }
}

/** What every run on arbitrary input must look like. */
function expectCleanOutcome(run: CliRun, file: string): void {
  expect(run.stderr).not.toMatch(STACK_FRAME);
  expect(run.stderr).not.toMatch(/locksmith: crashed/);
  expect([0, 1, 2, 254]).toContain(run.code);
  if (run.code === 254) {
    expect(run.stderr, run.stderr).toMatch(fileLineMessage(file));
    expect(run.stdout).toBe("");
  } else {
    const report = JSON.parse(run.stdout) as { valid: unknown };
    expect(report.valid).toBe(run.code === 0 ? true : run.code === 1 ? false : "unknown");
  }
}

let counter = 0;

describe("locksmith check on bad input", () => {
  it("random bytes: a verdict or exit 254 with file:line, never a crash", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 400 }),
        fc.constantFrom(
          ["--model", "cas-register"],
          ["--model", "kv"],
          ["--model", "lease-lock", "--ttl", "1000"],
        ),
        async (bytes, args) => {
          const file = tmp.write(`bytes-${counter++}.bin`, bytes);
          const run = await runInProcess(["check", file, ...args, "--time-limit", "5", "--json"]);
          expectCleanOutcome(run, file);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("random text shaped like each format: a verdict or exit 254 with file:line", async () => {
    const starts = ["{", "[", "{:process 0, ", "INFO  jepsen.util - 1\t", '{"index":0,'];
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...starts), fc.string({ maxLength: 200 }), async (start, rest) => {
        const file = tmp.write(`text-${counter++}.txt`, start + rest);
        const run = await runInProcess([
          "check",
          file,
          "--model",
          "cas-register",
          "--time-limit",
          "5",
          "--json",
        ]);
        expectCleanOutcome(run, file);
      }),
      { numRuns: 200 },
    );
  });

  it.each(SEEDS.map((s) => [s.name, s] as const))(
    "random mutations of a valid %s: a verdict or exit 254 with file:line",
    async (_name, seed) => {
      const untouched = tmp.write(`seed-${seed.name}`, seed.text);
      const baseline = await runInProcess(["check", untouched, ...seed.args, "--json"]);
      expect([0, 1]).toContain(baseline.code); // the seed itself is a valid file
      await fc.assert(
        fc.asyncProperty(fc.array(mutation, { minLength: 1, maxLength: 4 }), async (mutations) => {
          const text = mutations.reduce(applyMutation, seed.text);
          const file = tmp.write(`mut-${counter++}-${seed.name}`, text);
          const run = await runInProcess(["check", file, ...seed.args, "--time-limit", "5", "--json"]);
          expectCleanOutcome(run, file);
        }),
        { numRuns: 150 },
      );
    },
  );

  it("a completion whose key differs from its invocation's (found by the mutations): exit 254 at its line", async () => {
    const text = [
      '{:process 0, :type :invoke, :f :append, :key "4", :value "x 0 3 y"}',
      '{:process 0, :type :ok, :f :append,null:key "4", :value "x 0 3 y"}',
    ].join("\n");
    const file = tmp.write(`key-mismatch-${counter++}.txt`, text);
    for (const args of [
      ["--model", "kv"],
      ["--model", "kv", "--engine", "ts"],
    ]) {
      const run = await runInProcess(["check", file, ...args]);
      expect(run.code).toBe(254);
      expect(run.stderr).toMatch(
        new RegExp(`${file.replace(/[.]/g, "\\.")}:2: this ok completion of process 0 has no key`),
      );
      expect(run.stderr).not.toMatch(STACK_FRAME);
    }
  });

  it("the real binary on mutated files: exit 254 with one file:line message or a verdict, no stack", async () => {
    const samples = fc.sample(
      fc.tuple(fc.constantFrom(...SEEDS), fc.array(mutation, { minLength: 1, maxLength: 3 })),
      {
        numRuns: 8,
        seed: 20261126,
      },
    );
    let rejected = 0;
    for (const [seed, mutations] of samples) {
      const file = tmp.write(`bin-${counter++}-${seed.name}`, mutations.reduce(applyMutation, seed.text));
      const run = await runBinary(["check", file, ...seed.args, "--time-limit", "5", "--json"]);
      expectCleanOutcome(run, file);
      if (run.code === 254) rejected++;
    }
    // Whatever the mix, the binary was exercised on real bad input at least once (or the seed is fixed).
    expect(rejected).toBeGreaterThan(0);
  });
});

// The scheduler reads the clock between short slices of search steps, and no slice pays for a whole cache
// resize (both engines' memos grow by chunks and move a large table a few slots per insert; the wasm one
// zeroes its next table ahead, a little per insert), so the limit holds in every run, even on a busy CPU.
describe("an over-budget search", () => {
  const hopeless = tmp.write(
    "hopeless.jsonl",
    toJsonLines(
      generateHopelessAndIllegal({ indeterminate: 64, hopelessFirst: true, hopelessOnly: true }).history,
    ),
  );

  it.each([
    ["wasm", 1],
    ["ts", 1],
    ["wasm", 0.5],
  ])("engine %s, --time-limit %s s: unknown (exit 2) within 10%% of the limit", async (engine, seconds) => {
    const limitMs = (seconds as number) * 1000;
    const run = await runBinary([
      "check",
      hopeless,
      "--model",
      "owner-mutex",
      "--engine",
      engine as string,
      "--time-limit",
      String(seconds),
      "--json",
    ]);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { valid: unknown; cause: string; elapsedMs: number };
    expect(report.valid).toBe("unknown");
    expect(report.cause).toBe("time-limit");
    expect(report.elapsedMs).toBeGreaterThanOrEqual(limitMs);
    expect(report.elapsedMs).toBeLessThanOrEqual(limitMs * 1.1);
  });

  it("with a long limit, the memory budget ends it first: unknown, never a crash or an exhausted heap", async () => {
    const run = await runBinary(
      ["check", hopeless, "--model", "owner-mutex", "--time-limit", "60", "--json"],
      90_000,
    );
    expect(run.stderr).not.toMatch(STACK_FRAME);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as { valid: unknown; cause: string; elapsedMs: number };
    expect(report.valid).toBe("unknown");
    expect(["memory-limit", "time-limit"]).toContain(report.cause);
    expect(report.elapsedMs).toBeLessThanOrEqual(66_000);
  });

  it("as a lease lock (with the lock checks): the search ends unknown within 10% of the limit", async () => {
    const run = await runBinary(["check", hopeless, "--time-limit", "1", "--json"]);
    expect(run.code).toBe(2);
    const report = JSON.parse(run.stdout) as {
      valid: unknown;
      checks: { linearizable: { result: { cause: string; elapsedMs: number } } };
    };
    expect(report.valid).toBe("unknown");
    const search = report.checks.linearizable.result;
    expect(search.cause).toBe("time-limit");
    expect(search.elapsedMs).toBeGreaterThanOrEqual(1000);
    expect(search.elapsedMs).toBeLessThanOrEqual(1100);
  });
});
