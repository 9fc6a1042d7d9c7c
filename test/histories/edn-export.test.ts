// EDN export: exporting a history and importing the text gives the same ops, for every published history
// and for random valid ones; the text uses Jepsen's keywords where Knossos expects them.

import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { historyToEdn, opToEdn } from "../../histories/edn-export.js";
import { importJepsenEdn } from "../../histories/import/jepsen-edn.js";
import { loadHistory } from "../../histories/load.js";
import { validHistory } from "./arbitraries.js";
import { TempDir } from "./helpers.js";

const DATA = join(process.cwd(), "..", "shared", "data");

function walk(d: string): string[] {
  return readdirSync(d).flatMap((n) => {
    const p = join(d, n);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

describe("EDN export round trips", () => {
  const files = walk(DATA).filter((f) => /\.(edn|log|txt)$/.test(f));
  it("every published history: export then import gives the same ops", async () => {
    expect(files.length).toBeGreaterThanOrEqual(100);
    for (const file of files) {
      const { history } = await loadHistory(file, { completeOpen: false });
      const again = importJepsenEdn(historyToEdn(history), relative(DATA, file));
      expect(again.history).toEqual(history);
      expect(again.warnings).toEqual([]); // times and indexes are all there now
    }
  });

  it("random valid histories: export then import gives the same ops", () => {
    fc.assert(
      fc.property(validHistory, (history) => {
        expect(importJepsenEdn(historyToEdn(history), "r.edn").history).toEqual(history);
      }),
      { numRuns: 300 },
    );
  });

  it("a file exported to disk is recognized and loaded as Jepsen EDN", async () => {
    const dir = new TempDir();
    try {
      const { history } = await loadHistory(join(DATA, "knossos/mutex/bad/etcd.edn"), {
        completeOpen: false,
      });
      const path = dir.file(historyToEdn(history), "etcd-again.jsonl"); // the extension does not matter
      const loaded = await loadHistory(path, { completeOpen: false });
      expect(loaded.format).toBe("jepsen-edn");
      expect(loaded.history).toEqual(history);
    } finally {
      dir.remove();
    }
  });
});

describe("the EDN text is Jepsen's", () => {
  it("keywords for type, f, nemesis, txn micro-ops and errors; strings for keys and values", () => {
    expect(
      opToEdn({ index: 3, time: 7, process: "nemesis", type: "info", f: "start", value: "Cut off" }),
    ).toBe('{:index 3, :time 7, :process :nemesis, :type :info, :f :start, :value "Cut off"}');
    expect(opToEdn({ index: 0, time: 1, process: 2, type: "ok", f: "txn", value: [["read", "x", 0]] })).toBe(
      "{:index 0, :time 1, :process 2, :type :ok, :f :txn, :value [[:read :x 0]]}",
    );
    expect(
      opToEdn({
        index: 1,
        time: 2,
        process: 3,
        type: "fail",
        f: "release",
        key: "k",
        error: ["not-found", "lease not found"],
      }),
    ).toBe(
      '{:index 1, :time 2, :process 3, :type :fail, :f :release, :key "k", :error [:not-found "lease not found"]}',
    );
    expect(opToEdn({ index: 0, time: 0, process: 1, type: "invoke", f: "cas", value: [1, 2] })).toBe(
      "{:index 0, :time 0, :process 1, :type :invoke, :f :cas, :value [1 2]}",
    );
    expect(historyToEdn([])).toBe("[]\n");
  });

  it("the published mutex history exports with its lease-not-found error intact", async () => {
    const { history } = await loadHistory(join(DATA, "knossos/mutex/bad/etcd.edn"), { completeOpen: false });
    const text = historyToEdn(history);
    expect(text.split("\n")[1120]).toBe(
      ` ${readFileSync(join(DATA, "knossos/mutex/bad/etcd.edn"), "utf8")
        .split("\n")[1120]
        .replace(
          /^\{:type :fail, :f :release, :process 3, :time (\d+), :error (.*), :index 1120\}$/,
          "{:index 1120, :time $1, :process 3, :type :fail, :f :release, :error $2}",
        )}`,
    );
  });
});
