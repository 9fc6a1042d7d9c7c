// The JSONL reader: each rule with a failing case and its exact `file:line: reason`, torn last lines, chunk
// boundaries, completeOpenOps, and a 200,000-op file read back whole (its speed: `npm run bench:histories`).

import { writeFileSync } from "node:fs";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import {
  completeOpenOps,
  forEachJsonlOp,
  readJsonlHistory,
  readJsonlOps,
} from "../../histories/jsonl-reader.js";
import type { Op } from "../../histories/op.js";
import { validHistory } from "./arbitraries.js";
import { expectInputError, sampleHistory, TempDir, toJsonl } from "./helpers.js";

const dir = new TempDir();
afterAll(() => dir.remove());

const inv = (index: number, time: number, process: number | "nemesis", f = "read") =>
  JSON.stringify({ index, time, process, type: "invoke", f });
const done = (index: number, time: number, process: number | "nemesis", type = "ok", f = "read") =>
  JSON.stringify({ index, time, process, type, f });

async function readLines(lines: string[]) {
  const path = dir.file(lines.map((l) => `${l}\n`).join(""));
  return { path, read: () => readJsonlHistory(path) };
}

describe("readJsonlHistory accepts valid histories", () => {
  it("reads back what was written, field for field", async () => {
    const path = dir.file(toJsonl(sampleHistory()));
    const { history, warnings } = await readJsonlHistory(path);
    expect(history).toEqual(sampleHistory());
    expect(warnings).toEqual([]);
  });

  it("skips blank lines but still counts them", async () => {
    const { path, read } = await readLines([inv(0, 1, 0), "", "  ", done(1, 2, 0), "{"]);
    await expectInputError(read, path, 5, /^bad JSON: /);
  });

  it("gives the same ops whatever the chunk size (lines and UTF-8 characters split across chunks)", async () => {
    const ops: Op[] = sampleHistory().map((op) => ({ ...op, key: "ключ-🔒" }));
    const path = dir.file(toJsonl(ops));
    for (const chunkSize of [1, 2, 3, 7, 64]) {
      const { history } = await readJsonlHistory(path, { chunkSize });
      expect(history).toEqual(ops);
    }
  });

  it("readJsonlOps yields the same ops one by one", async () => {
    const path = dir.file(toJsonl(sampleHistory()));
    const seen: Op[] = [];
    for await (const op of readJsonlOps(path, { chunkSize: 16 })) seen.push(op);
    expect(seen).toEqual(sampleHistory());
  });

  it("forEachJsonlOp visits every op in order without collecting them", async () => {
    const path = dir.file(toJsonl(sampleHistory()));
    const indexes: number[] = [];
    const warnings = await forEachJsonlOp(path, (op) => indexes.push(op.index), { chunkSize: 5 });
    expect(indexes).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(warnings).toEqual([]);
  });

  it("accepts a complete last line without a newline", async () => {
    const text = toJsonl(sampleHistory()).trimEnd();
    const { history, warnings } = await readJsonlHistory(dir.file(text));
    expect(history).toHaveLength(7);
    expect(warnings).toEqual([]);
  });

  it("tolerates a torn last line (no newline, not JSON) with a warning", async () => {
    const text = `${toJsonl(sampleHistory())}{"index":7,"time":70,"proc`;
    const path = dir.file(text);
    const { history, warnings } = await readJsonlHistory(path);
    expect(history).toEqual(sampleHistory());
    expect(warnings).toEqual([
      `${path}:8: torn last line ignored (no newline at the end and not valid JSON: the writer probably crashed mid-write)`,
    ]);
    const streamed: string[] = [];
    for await (const _ of readJsonlOps(path, { onWarning: (w) => streamed.push(w) })) {
      // drain
    }
    expect(streamed).toEqual(warnings);
  });
});

describe("a crash of the writer (the file cut at any byte)", () => {
  it("reads as a prefix of the history, with at most a torn-line warning, never an error", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(validHistory, fc.double({ min: 0, max: 1, noNaN: true }), async (history, cut) => {
        const bytes = Buffer.from(toJsonl(history), "utf8");
        const path = dir.file(bytes.subarray(0, Math.floor(cut * bytes.length)), `cut-${n++}.jsonl`);
        const { history: read, warnings } = await readJsonlHistory(path, { chunkSize: 64 });
        expect(read).toEqual(history.slice(0, read.length));
        expect(warnings.length).toBeLessThanOrEqual(1);
        expect(completeOpenOps(read).length).toBeGreaterThanOrEqual(read.length);
      }),
      { numRuns: 300 },
    );
  });
});

describe("readJsonlHistory rejects, at the first problem, with file:line: reason", () => {
  const cases: Array<[string, string[], number, string | RegExp]> = [
    ["bad JSON", [inv(0, 1, 0), '{"index":1,'], 2, /^bad JSON: /],
    ["a torn line that is not the last", ['{"index":0,"ti', inv(0, 1, 0)], 1, /^bad JSON: /],
    ["not an object", ["[1,2]"], 1, "an op must be a JSON object, found an array"],
    ["missing index", ['{"time":0,"process":1,"type":"invoke","f":"read"}'], 1, "missing field index"],
    ["missing time", ['{"index":0,"process":1,"type":"invoke","f":"read"}'], 1, "missing field time"],
    ["missing process", ['{"index":0,"time":0,"type":"invoke","f":"read"}'], 1, "missing field process"],
    ["missing type", ['{"index":0,"time":0,"process":1,"f":"read"}'], 1, "missing field type"],
    ["missing f", ['{"index":0,"time":0,"process":1,"type":"invoke"}'], 1, "missing field f"],
    [
      "process ill-typed",
      ['{"index":0,"time":0,"process":"x","type":"invoke","f":"read"}'],
      1,
      'process must be a non-negative integer or "nemesis", found "x"',
    ],
    [
      "time ill-typed",
      ['{"index":0,"time":1.5,"process":1,"type":"invoke","f":"read"}'],
      1,
      "time must be a non-negative integer (ns), found 1.5",
    ],
    [
      "index ill-typed",
      ['{"index":"0","time":1,"process":1,"type":"invoke","f":"read"}'],
      1,
      'index must be a non-negative integer, found "0"',
    ],
    [
      "f ill-typed",
      ['{"index":0,"time":1,"process":1,"type":"invoke","f":3}'],
      1,
      "f must be a non-empty string, found 3",
    ],
    [
      "key ill-typed",
      ['{"index":0,"time":1,"process":1,"type":"invoke","f":"read","key":7}'],
      1,
      "key must be a string, found 7",
    ],
    [
      "unknown type",
      ['{"index":0,"time":1,"process":1,"type":"done","f":"read"}'],
      1,
      'unknown type "done" (expected invoke, ok, fail or info)',
    ],
    [
      "completion with no invocation",
      [inv(0, 1, 0), done(1, 2, 1)],
      2,
      "ok completion of read for process 1 with no open invocation",
    ],
    [
      "two open ops on one process",
      [inv(0, 1, 0), inv(1, 2, 1), inv(2, 3, 1, "write")],
      3,
      "process 1 invokes write while its read invoked at line 2 is still open",
    ],
    [
      "a completion whose f differs from its invoke",
      [inv(0, 1, 0, "acquire"), done(1, 2, 0, "ok", "release")],
      2,
      "ok completion has f release but process 0's open invocation at line 1 has f acquire",
    ],
    [
      "nemesis pairing",
      [inv(0, 1, "nemesis", "kill"), inv(1, 2, "nemesis", "pause")],
      2,
      "process nemesis invokes pause while its kill invoked at line 1 is still open",
    ],
    [
      "time going backwards",
      [inv(0, 10, 0), done(1, 5, 0)],
      2,
      "time goes backwards: 5 is before 10 (line 1)",
    ],
    [
      "index not dense",
      [inv(0, 1, 0), done(2, 2, 0)],
      2,
      "index 2 is not dense: expected 1 (indexes count ops from 0)",
    ],
    [
      "index not starting at 0",
      [inv(1, 1, 0)],
      1,
      "index 1 is not dense: expected 0 (indexes count ops from 0)",
    ],
  ];
  for (const [name, lines, line, reason] of cases) {
    it(name, async () => {
      const { path, read } = await readLines(lines);
      await expectInputError(read, path, line, reason);
    });
  }

  it("a complete last line without newline is still checked", async () => {
    const path = dir.file(`${inv(0, 10, 0)}\n${done(1, 5, 0)}`);
    await expectInputError(
      () => readJsonlHistory(path),
      path,
      2,
      "time goes backwards: 5 is before 10 (line 1)",
    );
  });

  it("refuses a line longer than the limit", async () => {
    const path = dir.file(`${inv(0, 1, 0)}\n${"x".repeat(200)}\n`);
    await expectInputError(
      () => readJsonlHistory(path, { maxLineLength: 100, chunkSize: 16 }),
      path,
      2,
      "line longer than 100 characters",
    );
  });

  it("readJsonlOps stops with the same error after yielding the good ops", async () => {
    const path = dir.file([inv(0, 1, 0), done(1, 2, 0), done(2, 3, 0)].map((l) => `${l}\n`).join(""));
    const seen: Op[] = [];
    await expectInputError(
      async () => {
        for await (const op of readJsonlOps(path)) seen.push(op);
      },
      path,
      3,
      "ok completion of read for process 0 with no open invocation",
    );
    expect(seen).toHaveLength(2);
  });

  it("a missing file is an input error, not a crash", async () => {
    const path = `${dir.path}/no-such-file.jsonl`;
    await expectInputError(() => readJsonlHistory(path), path, 0, "cannot read the file (ENOENT)");
  });
});

describe("completeOpenOps", () => {
  it("appends an info completion for each op left open, in invocation order, at the last time", () => {
    const history = sampleHistory().slice(0, 6); // process 0's release and the nemesis partition are open
    const out = completeOpenOps(history);
    expect(out.slice(0, 6)).toEqual(history);
    expect(out.slice(6)).toEqual([
      {
        index: 6,
        time: 60,
        process: "nemesis",
        type: "info",
        f: "partition",
        value: { targets: ["n1"] },
        error: "open-at-end",
      },
      {
        index: 7,
        time: 60,
        process: 0,
        type: "info",
        f: "release",
        key: "k",
        value: { owner: "a" },
        error: "open-at-end",
      },
    ]);
    expect(history).toHaveLength(6); // the input is not changed
    expect(completeOpenOps(out)).toEqual(out);
  });

  it("the completed history reads back through the reader", async () => {
    const out = completeOpenOps(sampleHistory().slice(0, 6));
    const { history } = await readJsonlHistory(dir.file(toJsonl(out)));
    expect(history).toEqual(out);
  });
});

describe("a large file", () => {
  // Speed lives in `npm run bench:histories`; here, that a file spanning many read chunks comes back whole.
  const n = 200_000;
  it(`reads a ${n}-op file across many chunks, every op intact and in order`, async () => {
    const parts: string[] = [];
    for (let i = 0; i < n; i++) {
      const p = (i >> 1) % 50;
      const tail =
        i % 2 === 0
          ? `"type":"invoke","f":"acquire","key":"orders/${p % 7}","value":{"owner":"c${p}","ttlMs":2000}}`
          : `"type":"ok","f":"acquire","key":"orders/${p % 7}","value":{"owner":"c${p}","ttlMs":2000,"token":"${i}"}}`;
      parts.push(`{"index":${i},"time":${i * 100},"process":${p},${tail}`);
    }
    const path = dir.file(`${parts.join("\n")}\n`);
    parts.length = 0;
    const { history, warnings } = await readJsonlHistory(path);
    expect(warnings).toEqual([]);
    expect(history).toHaveLength(n);
    for (const i of [0, 1, 65_535, 65_536, 131_071, n - 1]) {
      const p = (i >> 1) % 50;
      expect(history[i]).toMatchObject({ index: i, time: i * 100, process: p, key: `orders/${p % 7}` });
    }
    expect(history[n - 1].value).toEqual({
      owner: `c${((n - 1) >> 1) % 50}`,
      ttlMs: 2000,
      token: `${n - 1}`,
    });
    writeFileSync(path, "");
  }, 120_000);
});
