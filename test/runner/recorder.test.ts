// The recorder's write rule: an invocation is in the history file when invoke() returns (before any request
// can leave for a worker), completions reach the file with the next invocation or by the end of the
// event-loop turn, and close() leaves every op in the file in order.

import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { readJsonlHistory } from "../../histories/jsonl-reader.js";
import { RunClock } from "../../runner/clock.js";
import { Recorder } from "../../runner/recorder.js";

const dir = mkdtempSync(join(tmpdir(), "locksmith-recorder-test-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function linesOf(path: string): Array<{ index: number; type: string }> {
  return readFileSync(path, "utf8")
    .split("\n")
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setImmediate(r));
  }
}

describe("Recorder", () => {
  it("has each invocation in the file when invoke returns; completions follow within the turn", async () => {
    const path = join(dir, "h1.jsonl");
    const r = Recorder.open(path, new RunClock());
    const a = r.invoke(0, "acquire", "k", { owner: "o0", ttlMs: 1000 });
    expect(linesOf(path).map((l) => l.type)).toEqual(["invoke"]);
    r.complete(a, "ok", { owner: "o0", ttlMs: 1000, token: "1" });
    const b = r.invoke(1, "acquire", "k", { owner: "o1", ttlMs: 1000 });
    // the second invocation is written, and the completion queued before it went with it, in order
    expect(linesOf(path).map((l) => [l.index, l.type])).toEqual([
      [0, "invoke"],
      [1, "ok"],
      [2, "invoke"],
    ]);
    r.complete(b, "fail", { owner: "o1", ttlMs: 1000 }, "held");
    await until(() => linesOf(path).length === 4, "the queued completion to be written");
    expect(r.counts.get("acquire ok")).toBe(1);
    expect(r.counts.get("acquire fail")).toBe(1);
    expect(r.acquireLatencies).toHaveLength(2);
    r.close();
    const { history, warnings } = await readJsonlHistory(path);
    expect(history.map((op) => [op.process, op.type])).toEqual([
      [0, "invoke"],
      [0, "ok"],
      [1, "invoke"],
      [1, "fail"],
    ]);
    expect(warnings).toEqual([]);
  });

  it("close writes a completion still queued", async () => {
    const path = join(dir, "h2.jsonl");
    const r = Recorder.open(path, new RunClock());
    const inv = r.invoke("nemesis", "pause", undefined, { target: "c0" });
    r.complete(inv, "info", { target: "c0" }, "interrupted");
    expect(linesOf(path)).toHaveLength(1);
    r.close();
    expect(linesOf(path).map((l) => l.type)).toEqual(["invoke", "info"]);
    expect(r.opCount).toBe(2);
  });
});
