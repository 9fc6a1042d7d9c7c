// Robustness: random bytes and random mutations of valid files (truncate, delete/duplicate/swap lines, flip
// or insert characters) fed to every importer, to loadHistory and to the JSONL reader. Each must end in a
// valid history or a HistoryInputError: never another exception, never a hang.

import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { completeOpenOps } from "../../histories/complete-open.js";
import { historyToEdn } from "../../histories/edn-export.js";
import { importJepsenEdn } from "../../histories/import/jepsen-edn.js";
import { importJepsenLog } from "../../histories/import/jepsen-log.js";
import type { ImportResult } from "../../histories/import/normalize.js";
import { importPorcupineKv } from "../../histories/import/porcupine-kv.js";
import { readJsonlHistory } from "../../histories/jsonl-reader.js";
import { loadHistory } from "../../histories/load.js";
import { HistoryInputError, type Op } from "../../histories/op.js";
import { validateHistory } from "../../histories/validate.js";
import { validHistory } from "./arbitraries.js";
import { sampleHistory, TempDir, toJsonl } from "./helpers.js";

const DATA = join(process.cwd(), "..", "shared", "data");
const head = (rel: string, lines: number) =>
  readFileSync(join(DATA, rel), "utf8").split("\n").slice(0, lines).join("\n");

const SEEDS = {
  jsonl: [toJsonl(sampleHistory())],
  edn: [
    readFileSync(join(DATA, "knossos/cas-register/bad/bad-analysis.edn"), "utf8"),
    readFileSync(join(DATA, "knossos/cas-register/bad/rethink-fail-minimal.edn"), "utf8"),
    head("knossos/multi-register/good/multi-register.edn", 80),
    `${head("knossos/mutex/bad/etcd.edn", 40)}]`,
  ],
  log: [head("porcupine/jepsen/etcd_000.log", 40), head("porcupine/jepsen/etcd_100.log", 40)],
  kv: [head("porcupine/kv/c10-ok.txt", 40)],
};

type Mutation =
  | { kind: "truncate"; at: number }
  | { kind: "delete"; line: number }
  | { kind: "duplicate"; line: number }
  | { kind: "swap"; a: number; b: number }
  | { kind: "flip"; at: number; text: string }
  | { kind: "insert"; at: number; text: string };

const fragment = fc.oneof(
  fc.constantFrom(...'{}[]()":;,\\#_\n \t0-.e:nemesis'.split("")),
  fc.constantFrom(
    ":type",
    ":invoke",
    ":ok",
    ":info",
    '"time":',
    '"type":"ok"',
    "nil",
    "null",
    "\u00e9",
    "\u{1F512}",
    "\r\n",
  ),
  fc.string({ unit: "binary", maxLength: 4 }),
);

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("truncate" as const), at: fc.double({ min: 0, max: 1, noNaN: true }) }),
  fc.record({ kind: fc.constantFrom("delete" as const, "duplicate" as const), line: fc.nat(200) }),
  fc.record({ kind: fc.constant("swap" as const), a: fc.nat(200), b: fc.nat(200) }),
  fc.record({
    kind: fc.constantFrom("flip" as const, "insert" as const),
    at: fc.double({ min: 0, max: 1, noNaN: true }),
    text: fragment,
  }),
);

function mutate(text: string, mutations: Mutation[]): string {
  for (const m of mutations) {
    if (m.kind === "truncate") {
      text = text.slice(0, Math.floor(m.at * text.length));
    } else if (m.kind === "flip" || m.kind === "insert") {
      const at = Math.floor(m.at * text.length);
      text = text.slice(0, at) + m.text + text.slice(m.kind === "flip" ? at + 1 : at);
    } else {
      const lines = text.split("\n");
      if (lines.length === 0) continue;
      if (m.kind === "swap") {
        const a = m.a % lines.length;
        const b = m.b % lines.length;
        [lines[a], lines[b]] = [lines[b], lines[a]];
      } else {
        const i = m.line % lines.length;
        if (m.kind === "delete") lines.splice(i, 1);
        else lines.splice(i, 0, lines[i]);
      }
      text = lines.join("\n");
    }
  }
  return text;
}

/** Random bytes, or a seed (fixed or a random valid history) with random mutations. */
function input(seeds: string[], generated: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc.oneof(
    fc.string({ unit: "binary", maxLength: 300 }),
    fc
      .tuple(
        fc.oneof(fc.constantFrom(...seeds), generated),
        fc.array(mutation, { minLength: 1, maxLength: 4 }),
      )
      .map(([seed, ms]) => mutate(seed, ms)),
  );
}

/** A run ends well when it gives a valid history or a HistoryInputError, and quickly. */
async function endsWell(work: () => Promise<{ history: Op[] }> | { history: Op[] }): Promise<void> {
  const t0 = performance.now();
  try {
    const { history } = await work();
    validateHistory(history, "check");
    validateHistory(completeOpenOps(history), "check");
  } catch (err) {
    if (!(err instanceof HistoryInputError)) throw err;
    expect(err.message).toBe(`${err.file}:${err.line}: ${err.reason}`);
  }
  expect(performance.now() - t0).toBeLessThan(5000);
}

// LOCKSMITH_FUZZ_RUNS raises the count for a longer hunt.
const RUNS = Number(process.env.LOCKSMITH_FUZZ_RUNS ?? 400);

describe("importers on random and mutated input", () => {
  const cases: Array<[string, (t: string, f: string) => ImportResult, string[], fc.Arbitrary<string>]> = [
    ["Jepsen EDN", importJepsenEdn, SEEDS.edn, validHistory.map(historyToEdn)],
    ["Porcupine KV", importPorcupineKv, SEEDS.kv, validHistory.map((h) => historyToEdn(h).slice(1, -2))],
    ["Jepsen log", importJepsenLog, SEEDS.log, fc.constant(SEEDS.log[0])],
  ];
  for (const [name, importer, seeds, generated] of cases) {
    it(`${name}: a valid history or HistoryInputError`, async () => {
      await fc.assert(
        fc.asyncProperty(input(seeds, generated), (text) => endsWell(() => importer(text, "fuzz"))),
        { numRuns: RUNS },
      );
    });
  }
});

describe("file readers on random and mutated files", () => {
  const dir = new TempDir();
  afterAll(() => dir.remove());
  const all = [...SEEDS.jsonl, ...SEEDS.edn, ...SEEDS.log, ...SEEDS.kv];

  it("the JSONL reader: a valid history or HistoryInputError", async () => {
    await fc.assert(
      fc.asyncProperty(
        input(SEEDS.jsonl, validHistory.map(toJsonl)),
        fc.constantFrom(3, 64, 1 << 20),
        (text, chunk) => endsWell(() => readJsonlHistory(dir.file(text, "fuzz.jsonl"), { chunkSize: chunk })),
      ),
      { numRuns: RUNS },
    );
  });

  it("loadHistory, whatever the format: a valid history or HistoryInputError", async () => {
    await fc.assert(
      fc.asyncProperty(input(all, validHistory.map(toJsonl)), (text) =>
        endsWell(() => loadHistory(dir.file(text, "fuzz.any"))),
      ),
      { numRuns: RUNS },
    );
  });

  it("mutations really reach the readers' error paths (the test is not vacuous)", async () => {
    let errors = 0;
    let valid = 0;
    await fc.assert(
      fc.asyncProperty(input(all, validHistory.map(toJsonl)), async (text) => {
        try {
          await loadHistory(dir.file(text, "count.any"));
          valid++;
        } catch {
          errors++;
        }
      }),
      { numRuns: 200, seed: 42 },
    );
    expect(errors).toBeGreaterThan(20);
    expect(valid).toBeGreaterThan(5);
  });
});
