// Every published history in ../shared/data imports through loadHistory, with the op count the file itself
// shows, the format recognized from content, and values converted as the conventions say.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { describe, expect, it } from "vitest";
import { loadHistory } from "../../histories/load.js";
import type { Op } from "../../histories/op.js";
import { validateHistory } from "../../histories/validate.js";

const DATA = join(process.cwd(), "..", "shared", "data");

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

const files = walk(DATA).filter((f) => /\.(edn|log|txt)$/.test(f));

/** The op count as the file shows it, counted independently of the importers. */
function expectedCount(file: string): number {
  const text = readFileSync(file, "utf8");
  if (file.endsWith(".edn")) return (text.match(/:process/g) ?? []).length;
  if (file.endsWith(".log")) return (text.match(/INFO\s+jepsen\.util - /g) ?? []).length;
  return text.split("\n").filter((l) => l.trim() !== "").length;
}

function load(rel: string) {
  return loadHistory(join(DATA, rel), { completeOpen: false });
}

describe("every published history imports", () => {
  it("finds the published files", () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
  });

  for (const file of files) {
    const rel = relative(DATA, file);
    it(rel, async () => {
      const { history, format, warnings } = await loadHistory(file, { completeOpen: false });
      expect(history.length).toBe(expectedCount(file));
      const want = file.endsWith(".edn")
        ? "jepsen-edn"
        : file.endsWith(".log")
          ? "jepsen-log"
          : "porcupine-kv";
      expect(format).toBe(want);
      expect(() => validateHistory(history, rel)).not.toThrow();
      for (const w of warnings) expect(w).toMatch(/^\S+: /);
    });
  }
});

describe("spot checks of converted values", () => {
  it("cas-failure.edn: cas values are [old new], reads nil, nemesis pairs invoke/info", async () => {
    const { history, timesSynthesized } = await load("knossos/cas-register/bad/cas-failure.edn");
    expect(history[0]).toEqual({ index: 0, time: 0, process: 70, type: "invoke", f: "read", value: null });
    expect(history[8]).toMatchObject({ process: 78, type: "invoke", f: "cas", value: [2, 1] });
    expect(history[11]).toMatchObject({ process: 78, type: "fail", f: "cas", value: [2, 1] });
    expect(history[1].time - history[0].time).toBe(1000);
    const nemesis = history.filter((op) => op.process === "nemesis");
    expect(nemesis.length).toBeGreaterThan(0);
    expect(nemesis.map((op) => op.type)).toEqual(nemesis.map((_, i) => (i % 2 === 0 ? "invoke" : "info")));
    expect(nemesis.find((op) => typeof op.value === "string")?.value).toMatch(/^Cut off \[:n3/);
    expect(timesSynthesized).toBe(true);
  });

  it("multi-register.edn: txn values are [f, k, v] triples of strings", async () => {
    const { history } = await load("knossos/multi-register/good/multi-register.edn");
    expect(history[0]).toMatchObject({ process: 3, type: "invoke", f: "txn", value: [["read", "x", null]] });
    expect(history[3]).toMatchObject({ process: 4, f: "txn", value: [["write", "y", 2]] });
    expect(history[6]).toMatchObject({
      process: 0,
      type: "ok",
      value: [
        ["read", "x", 0],
        ["read", "y", 0],
      ],
    });
    // the file's times go backwards (op 1 at 7686334122 after op 0 at 7686455705): clamped, order kept
    expect(history[0].time).toBe(7686455705);
    expect(history[1].time).toBe(7686455705);
    expect(history[1].process).toBe(2);
  });

  it("mutex/bad/etcd.edn: no value on acquire/release, errors as strings, clamped times counted", async () => {
    const { history, warnings } = await load("knossos/mutex/bad/etcd.edn");
    expect(history[2]).toEqual({ index: 2, time: 371408519, process: 3, type: "invoke", f: "acquire" });
    expect(history[1].error).toBe("not-held");
    expect(history[1120]).toMatchObject({
      process: 3,
      type: "fail",
      f: "release",
      error: ["not-found", "etcdserver: requested lease not found"],
    });
    // index 4 is at 585400396 and index 5 was stamped 584353142: clamped to 585400396
    expect(history[5].time).toBe(585400396);
    const clampedWarning = warnings.find((w) => w.includes("time goes backwards"));
    expect(clampedWarning).toMatch(/at (\d+) op\(s\)/);
    const text = readFileSync(join(DATA, "knossos/mutex/bad/etcd.edn"), "utf8");
    const times = [...text.matchAll(/:time (\d+)/g)].map((m) => Number(m[1]));
    let backwards = 0;
    let last = 0;
    for (const t of times) {
      if (t < last) backwards++;
      else last = t;
    }
    expect(clampedWarning).toContain(`at ${backwards} op(s)`);
  });

  it("etcd_000.log: Porcupine's semantics (timed-out ops are info with the invoked value)", async () => {
    const { history } = await load("porcupine/jepsen/etcd_000.log");
    expect(history[0]).toMatchObject({ process: 0, type: "invoke", f: "read", value: null });
    expect(history[2]).toMatchObject({ process: 2, type: "invoke", f: "write", value: 4 });
    expect(history[5]).toMatchObject({ process: 3, type: "ok", f: "read", value: null });
    expect(history[18]).toMatchObject({ process: 2, type: "invoke", f: "cas", value: [3, 0] });
    expect(history[28]).toMatchObject({ process: 1, type: "fail", f: "cas", value: [0, 3] });
    const infos = history.filter((op) => op.type === "info");
    expect(infos.length).toBeGreaterThan(0);
    for (const op of infos) {
      expect(op.error).toBe("timed-out");
      const invoke = history
        .filter((o) => o.process === op.process && o.type === "invoke" && o.index < op.index)
        .pop();
      expect(op.value).toEqual(invoke?.value);
    }
  });

  it("etcd_100.log (spaces, not tabs) reads the same way; a failed read's process is retired", async () => {
    const { history } = await load("porcupine/jepsen/etcd_100.log");
    expect(history[2]).toMatchObject({ process: 4, type: "invoke", f: "cas", value: [1, 2] });
    // line 88: `3 :fail :read :timed-out` is unknown for Porcupine: info, and process 3 invokes no more
    const failedRead = history.find((op) => op.process === 3 && op.type === "info" && op.f === "read");
    expect(failedRead).toMatchObject({ error: "timed-out", value: null });
    expect(history.some((op) => op.process === 3 && op.index > failedRead!.index)).toBe(false);
    const ended = new Set<unknown>();
    for (const op of history) {
      if (op.type === "invoke") expect(ended.has(op.process)).toBe(false);
      if (op.type === "info") ended.add(op.process);
    }
  });

  it("kv c10-ok.txt: keys and string values", async () => {
    const { history } = await load("porcupine/kv/c10-ok.txt");
    expect(history[0]).toEqual({
      index: 0,
      time: 0,
      process: 9,
      type: "invoke",
      f: "append",
      key: "0",
      value: "x 9 0 y",
    });
    expect(history[3]).toMatchObject({ process: 1, f: "get", key: "9", value: null });
    const gets = history.filter((op: Op) => op.f === "get" && op.type === "ok");
    expect(gets.every((op) => typeof op.value === "string")).toBe(true);
  });

  it("open ops at the end become info completions when asked (the default)", async () => {
    const raw = await load("knossos/cas-register/bad/bad-analysis.edn");
    const done = await loadHistory(join(DATA, "knossos/cas-register/bad/bad-analysis.edn"));
    const open = done.history.length - raw.history.length;
    expect(open).toBe(2); // process 6's read and process 20's write never complete
    expect(done.history.slice(-open).map((op) => [op.process, op.type, op.f])).toEqual([
      [6, "info", "read"],
      [20, "info", "write"],
    ]);
    expect(done.warnings.some((w) => w.includes("2 op(s) still open"))).toBe(true);
  });
});
