// Test helpers for histories: temporary files that are removed afterwards, and exact HistoryInputError checks.

import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { HistoryInputError, type Op } from "../../histories/op.js";

export class TempDir {
  readonly path = mkdtempSync(join(tmpdir(), "locksmith-histories-"));
  private n = 0;

  /** Writes `content` to a new file in the directory and returns its path. */
  file(content: string | Buffer, name?: string): string {
    const p = join(this.path, name ?? `f${this.n++}`);
    writeFileSync(p, content);
    return p;
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** Awaits `work` and asserts it fails with exactly `file:line: reason`. */
export async function expectInputError(
  work: () => Promise<unknown> | unknown,
  file: string,
  line: number,
  reason: string | RegExp,
): Promise<void> {
  let caught: unknown;
  try {
    await work();
  } catch (err) {
    caught = err;
  }
  expect(caught).toBeInstanceOf(HistoryInputError);
  const e = caught as HistoryInputError;
  expect(e.file).toBe(file);
  expect(e.line).toBe(line);
  if (typeof reason === "string") {
    expect(e.reason).toBe(reason);
    expect(e.message).toBe(`${file}:${line}: ${reason}`);
  } else {
    expect(e.reason).toMatch(reason);
  }
}

/** A small valid history: two processes, acquire/release, one left open. */
export function sampleHistory(): Op[] {
  return [
    {
      index: 0,
      time: 10,
      process: 0,
      type: "invoke",
      f: "acquire",
      key: "k",
      value: { owner: "a", ttlMs: 2000 },
    },
    {
      index: 1,
      time: 20,
      process: 1,
      type: "invoke",
      f: "acquire",
      key: "k",
      value: { owner: "b", ttlMs: 2000 },
    },
    {
      index: 2,
      time: 30,
      process: 0,
      type: "ok",
      f: "acquire",
      key: "k",
      value: { owner: "a", ttlMs: 2000, token: "1" },
    },
    { index: 3, time: 40, process: 1, type: "fail", f: "acquire", key: "k", error: "held" },
    { index: 4, time: 50, process: "nemesis", type: "invoke", f: "partition", value: { targets: ["n1"] } },
    { index: 5, time: 60, process: 0, type: "invoke", f: "release", key: "k", value: { owner: "a" } },
    { index: 6, time: 60, process: "nemesis", type: "ok", f: "partition", value: { targets: ["n1"] } },
  ];
}

export function toJsonl(ops: readonly Op[]): string {
  return ops.map((op) => `${JSON.stringify(op)}\n`).join("");
}
