// The published histories (../shared/data/*/expected.tsv) through check() with each engine (wasm and TS):
// each file, loaded by the project's own importers, must get the verdict its source asserts, and an
// invalid one must come with a counterexample whose failing op is an invoke of the history.

import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { check } from "../../checker/check.js";
import { loadHistory, parseValue } from "../../histories/load.js";
import { getModel } from "../../models/index.js";
import type { Model } from "../../models/model.js";

const DATA = new URL("../../../shared/data/", import.meta.url).pathname;

interface Case {
  file: string;
  model: string;
  expected: boolean;
}

function cases(folder: string): Case[] {
  const lines = readFileSync(`${DATA}${folder}/expected.tsv`, "utf8").trim().split("\n").slice(1);
  return lines.map((line) => {
    const [file, model, expected] = line.split("\t");
    return { file: `${folder}/${file}`, model, expected: expected === "linearizable" };
  });
}

/** "(cas-register 0)" -> Knossos's model with that initial value; a bare name -> Porcupine's. */
function modelFor(spec: string): Model {
  const knossos = /^\(([\w-]+)(?:\s+(.*))?\)$/.exec(spec);
  if (!knossos) return getModel(spec, { initial: null });
  const [, name, init] = knossos;
  const initial = init === undefined ? undefined : parseValue(init);
  return getModel(name, { initial, nilReadMatchesAny: true });
}

const all = [...cases("porcupine"), ...cases("knossos")];

describe.each(["wasm", "ts"] as const)("published histories, %s engine", (engine) => {
  it.each(all)("$file as $model", async ({ file, model, expected }) => {
    const { history } = await loadHistory(`${DATA}${file}`);
    const result = check(history, modelFor(model), { engine, timeLimitMs: 60_000 });
    expect(result.engine).toBe(engine);
    expect(result.valid).toBe(expected);
    if (!expected) {
      const cx = result.counterexample;
      expect(cx?.longestPrefixes.length).toBeGreaterThan(0);
      expect(history.some((op) => op.index === cx?.opIndex && op.type === "invoke")).toBe(true);
    }
  });
});

describe("knossos/mutex/bad/etcd.edn as a lease lock", () => {
  it.each([
    { epsilon: 0.01, fencing: false },
    { epsilon: 0, fencing: false },
    { epsilon: 0.5, fencing: false },
  ])("wasm and ts agree with 2 s leases ($epsilon drift)", async (options) => {
    const { history } = await loadHistory(`${DATA}knossos/mutex/bad/etcd.edn`);
    const model = getModel("lease-lock", { ...options, defaultTtlMs: 2000 });
    const wasm = check(history, model, { engine: "wasm", timeLimitMs: 60_000 });
    const ts = check(history, model, { engine: "ts", timeLimitMs: 60_000 });
    expect(wasm.engine).toBe("wasm");
    expect(ts.valid).not.toBe("unknown");
    expect(wasm.valid).toBe(ts.valid);
    expect(wasm.counterexample?.opIndex).toBe(ts.counterexample?.opIndex);
  });
});
