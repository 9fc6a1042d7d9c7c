// The crash-safe JSONL writer: dense indexes, refusals that write nothing, read-back equality, queued lines
// (appendLater) written in order with the next append/flush/close, and a SIGKILL in the middle of writing
// that loses no acknowledged op and leaves a history the reader accepts.

import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { readJsonlHistory } from "../../histories/jsonl-reader.js";
import { HistoryWriteError, JsonlWriter } from "../../histories/jsonl-writer.js";
import { validHistory } from "./arbitraries.js";
import { sampleHistory, TempDir } from "./helpers.js";

const dir = new TempDir();
afterAll(() => dir.remove());

describe("JsonlWriter", () => {
  it("assigns dense indexes and writes what the reader reads back", async () => {
    const path = join(dir.path, "h1.jsonl");
    const w = JsonlWriter.open(path);
    const written = sampleHistory().map(({ index: _i, ...op }) => w.append(op));
    w.close();
    w.close(); // twice is harmless
    expect(written).toEqual(sampleHistory());
    expect(w.count).toBe(7);
    const { history, warnings } = await readJsonlHistory(path);
    expect(history).toEqual(sampleHistory());
    expect(warnings).toEqual([]);
  });

  it("random valid histories: written, then read, give the same ops", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(validHistory, async (history) => {
        const path = join(dir.path, `random-${n++}.jsonl`);
        const w = JsonlWriter.open(path);
        for (const { index: _i, ...op } of history) w.append(op);
        w.close();
        expect((await readJsonlHistory(path)).history).toEqual(history);
      }),
      { numRuns: 200 },
    );
  });

  it("ignores an index the caller passes", () => {
    const path = join(dir.path, "h2.jsonl");
    const w = JsonlWriter.open(path);
    const op = w.append({ index: 42, time: 1, process: 0, type: "invoke", f: "read" } as never);
    w.close();
    expect(op.index).toBe(0);
    expect(JSON.parse(readFileSync(path, "utf8")).index).toBe(0);
  });

  it("refuses time going backwards and writes nothing for it", async () => {
    const path = join(dir.path, "h3.jsonl");
    const w = JsonlWriter.open(path);
    w.append({ time: 100, process: 0, type: "invoke", f: "read" });
    expect(() => w.append({ time: 99, process: 0, type: "ok", f: "read" })).toThrow(
      new HistoryWriteError(`${path}: op "read" of process 0 has time 99, before the previous op's 100`),
    );
    w.append({ time: 100, process: 0, type: "ok", f: "read", value: 3 });
    w.close();
    const { history } = await readJsonlHistory(path);
    expect(history.map((op) => [op.index, op.time, op.type])).toEqual([
      [0, 100, "invoke"],
      [1, 100, "ok"],
    ]);
  });

  it("refuses what the reader would reject (pairing, types) and stays usable", () => {
    const path = join(dir.path, "h4.jsonl");
    const w = JsonlWriter.open(path);
    expect(() => w.append({ time: 1, process: 3, type: "ok", f: "read" })).toThrow(
      `${path}:1: ok completion of read for process 3 with no open invocation`,
    );
    expect(() => w.append({ time: 1, process: -1, type: "invoke", f: "read" })).toThrow(HistoryWriteError);
    expect(() => w.append({ time: 1, process: 1, type: "invoke", f: "read", value: 10n })).toThrow(
      /cannot be written as JSON/,
    );
    w.append({ time: 1, process: 1, type: "invoke", f: "read" });
    w.close();
    expect(readFileSync(path, "utf8").split("\n")).toHaveLength(2);
    expect(() => w.append({ time: 2, process: 1, type: "ok", f: "read" })).toThrow("the writer is closed");
  });

  it("appendLater queues a line until the next append, flush or close, in order and in one piece", async () => {
    const path = join(dir.path, "queued.jsonl");
    const lines = () => readFileSync(path, "utf8").split("\n").filter(Boolean);
    const w = JsonlWriter.open(path);
    w.append({ time: 1, process: 0, type: "invoke", f: "acquire", key: "k" });
    expect(w.appendLater({ time: 2, process: 0, type: "ok", f: "acquire", key: "k" }).index).toBe(1);
    expect(lines()).toHaveLength(1); // queued, not yet written
    w.append({ time: 3, process: 0, type: "invoke", f: "release", key: "k" });
    expect(lines().map((l) => JSON.parse(l).index)).toEqual([0, 1, 2]); // the queued line went first
    w.appendLater({ time: 4, process: 0, type: "ok", f: "release", key: "k" });
    w.flush();
    expect(lines()).toHaveLength(4);
    w.flush(); // nothing queued: writes nothing
    w.append({ time: 5, process: 1, type: "invoke", f: "acquire", key: "k" });
    w.appendLater({ time: 6, process: 1, type: "fail", f: "acquire", key: "k", error: "held" });
    expect(w.count).toBe(6);
    w.close();
    expect(lines()).toHaveLength(6);
    const { history, warnings } = await readJsonlHistory(path);
    expect(history.map((op) => [op.index, op.time, op.type])).toEqual([
      [0, 1, "invoke"],
      [1, 2, "ok"],
      [2, 3, "invoke"],
      [3, 4, "ok"],
      [4, 5, "invoke"],
      [5, 6, "fail"],
    ]);
    expect(warnings).toEqual([]);
  });

  it("appendLater refuses what append refuses, at once, and queues nothing for it", () => {
    const path = join(dir.path, "queued-refused.jsonl");
    const w = JsonlWriter.open(path);
    w.append({ time: 10, process: 0, type: "invoke", f: "read" });
    expect(() => w.appendLater({ time: 9, process: 0, type: "ok", f: "read" })).toThrow(HistoryWriteError);
    expect(() => w.appendLater({ time: 10, process: 4, type: "ok", f: "read" })).toThrow(
      "with no open invocation",
    );
    w.appendLater({ time: 11, process: 0, type: "ok", f: "read", value: 1 });
    w.close();
    expect(
      readFileSync(path, "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l).index),
    ).toEqual([0, 1]);
  });

  it("random valid histories written with completions queued read back the same", async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(validHistory, fc.infiniteStream(fc.boolean()), async (history, flushes) => {
        const path = join(dir.path, `random-later-${n++}.jsonl`);
        const w = JsonlWriter.open(path);
        for (const { index: _i, ...op } of history) {
          if (op.type === "invoke") w.append(op);
          else w.appendLater(op);
          if (flushes.next().value) w.flush();
        }
        w.close();
        expect((await readJsonlHistory(path)).history).toEqual(history);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses to append to a history that is not empty", () => {
    const path = dir.file("{}\n", "nonempty.jsonl");
    expect(() => JsonlWriter.open(path)).toThrow(
      `${path}: refusing to append to a history that is not empty`,
    );
  });

  it("loses no acknowledged op when the writing process is SIGKILLed", async () => {
    const path = join(dir.path, "killed.jsonl");
    const child = spawn(
      process.execPath,
      ["--import", "tsx", join(__dirname, "fixtures", "writer-child.ts"), path],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let acked = 0;
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      for (const m of chunk.matchAll(/acked (\d+)/g)) acked = Math.max(acked, Number(m[1]));
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.on("exit", (_code, signal) => resolve(signal)),
    );
    try {
      const deadline = Date.now() + 60_000;
      while (acked < 2000 && Date.now() < deadline && child.exitCode === null) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(stderr).toBe("");
      expect(acked).toBeGreaterThanOrEqual(2000);
      const ackedBeforeKill = acked;
      child.kill("SIGKILL");
      expect(await exited).toBe("SIGKILL");
      const { history, warnings } = await readJsonlHistory(path);
      expect(history.length).toBeGreaterThanOrEqual(ackedBeforeKill);
      expect(history.every((op, i) => op.index === i && op.time === i)).toBe(true);
      expect(warnings.length).toBeLessThanOrEqual(1); // at most a torn last line
    } finally {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  });
});
