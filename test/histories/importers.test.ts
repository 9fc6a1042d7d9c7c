// The importers' own rules, each with a failing case and its exact `file:line: reason`, plus loadHistory's
// detection of the format from content (never the file name) and parseValue for the CLI's --init.

import { afterAll, describe, expect, it } from "vitest";
import { importJepsenEdn } from "../../histories/import/jepsen-edn.js";
import { importJepsenLog } from "../../histories/import/jepsen-log.js";
import { importPorcupineKv } from "../../histories/import/porcupine-kv.js";
import { loadHistory, parseValue } from "../../histories/load.js";
import { expectInputError, sampleHistory, TempDir, toJsonl } from "./helpers.js";

const dir = new TempDir();
afterAll(() => dir.remove());

describe("Jepsen EDN rules", () => {
  const cases: Array<[string, string, number, string]> = [
    [
      "not a map",
      "[{:process 0, :type :invoke, :f :read}\n 42]",
      2,
      "expected an op map, found the number 42",
    ],
    ["no :process", "[{:type :invoke,\n  :f :read}]", 1, "op has no :process"],
    [
      "bad :process",
      "[{:type :invoke,\n  :process :client, :f :read}]",
      2,
      ":process must be a non-negative integer or :nemesis, found :client",
    ],
    ["no :type", "({:process 1 :f :read})", 1, "op has no :type"],
    [
      "unknown type",
      "({:process 1\n :type :done :f :read})",
      2,
      "unknown type :done (expected :invoke, :ok, :fail or :info)",
    ],
    ["no :f", "{:process 1 :type :invoke}", 1, "op has no :f"],
    ["bad :f", "{:process 1 :type :invoke :f [1]}", 1, ":f must be a keyword or a string, found a vector"],
    [
      "bad :key",
      "{:process 1 :type :invoke :f :get :key {:a 1}}",
      1,
      ":key must be a string, keyword or number, found a map",
    ],
    [
      "bad :time",
      "{:process 1 :type :invoke :f :get :time 1.5}",
      1,
      ":time must be a non-negative integer (ns), found the number 1.5",
    ],
    [
      "bad :index",
      "{:process 1 :type :invoke :f :get :index -1}",
      1,
      ":index must be a non-negative integer, found the number -1",
    ],
    [
      "completion with no invocation",
      "[{:process 1 :type :invoke :f :read}\n{:process 2 :type :ok :f :read}]",
      2,
      "ok completion of read for process 2 with no open invocation",
    ],
    [
      "two open ops",
      "[{:process 1 :type :invoke :f :read}\n{:process 1 :type :invoke :f :write}]",
      2,
      "process 1 invokes write while its read invoked at line 1 is still open",
    ],
    [
      "f differs",
      "[{:process 1 :type :invoke :f :read}\n{:process 1 :type :ok :f :write}]",
      2,
      "ok completion has f write but process 1's open invocation at line 1 has f read",
    ],
    [
      "some ops timed, some not",
      "[{:process 1 :type :invoke :f :read :time 5}\n{:process 1 :type :ok :f :read}]",
      2,
      "op has no :time while other ops in the file have one",
    ],
    [
      "nemesis infos that cannot pair",
      "[{:process :nemesis :type :info :f :start}\n{:process :nemesis :type :info :f :stop}]",
      2,
      "nemesis :info of stop while the nemesis's start is open (cannot tell invocation from completion)",
    ],
    [
      "EDN syntax",
      "[{:process 1 :type :invoke :f :read}\n {:process",
      2,
      "unterminated map (opened at line 2)",
    ],
  ];
  for (const [name, text, line, reason] of cases) {
    it(name, async () => {
      await expectInputError(() => importJepsenEdn(text, "h.edn"), "h.edn", line, reason);
    });
  }

  it("reads ops printed as records (#jepsen.history.Op{...})", () => {
    const { history } = importJepsenEdn(
      "[#jepsen.history.Op{:index 0, :time 5, :type :invoke, :process 0, :f :read, :value nil}\n" +
        " #knossos.op.Op{:index 1, :time 9, :type :ok, :process 0, :f :read, :value 1}]",
      "h.edn",
    );
    expect(history).toEqual([
      { index: 0, time: 5, process: 0, type: "invoke", f: "read", value: null },
      { index: 1, time: 9, process: 0, type: "ok", f: "read", value: 1 },
    ]);
  });

  it("synthesizes missing times 1 µs apart and says so; indexes come from the position", () => {
    const { history, warnings, timesSynthesized } = importJepsenEdn(
      "[{:process 0 :type :invoke :f :acquire :index 7}\n {:process 0 :type :ok :f :acquire :index 9}]",
      "h.edn",
    );
    expect(history).toEqual([
      { index: 0, time: 0, process: 0, type: "invoke", f: "acquire" },
      { index: 1, time: 1000, process: 0, type: "ok", f: "acquire" },
    ]);
    expect(timesSynthesized).toBe(true);
    expect(warnings).toEqual([
      "h.edn: the file's :index values are not 0, 1, 2, ... in file order: ops re-numbered by position",
    ]);
  });

  it("keeps the file order when times go backwards, clamping to the previous op's time", () => {
    const { history, warnings } = importJepsenEdn(
      `{:process 0 :type :invoke :f :read :time 100}
       {:process 1 :type :invoke :f :read :time 90}
       {:process 1 :type :ok :f :read :value 3 :time 95}
       {:process 0 :type :ok :f :read :value 3 :time 120}`,
      "h.edn",
    );
    expect(history.map((op) => [op.process, op.type, op.time])).toEqual([
      [0, "invoke", 100],
      [1, "invoke", 100],
      [1, "ok", 100],
      [0, "ok", 120],
    ]);
    expect(warnings).toEqual([
      "h.edn: time goes backwards at 2 op(s) (the recording threads stamped their own clocks): kept the file order, which is the real-time order, and set each such time to the previous op's",
    ]);
  });
});

describe("Jepsen log rules", () => {
  const L = (rest: string) => `INFO  jepsen.util - ${rest}`;
  it("reads op lines and skips the others; Porcupine's semantics for failed reads and timeouts", () => {
    const text = [
      "INFO  jepsen.core - Running test",
      L("0\t:invoke\t:read\tnil"),
      L("1\t:invoke\t:cas\t[1 2]"),
      L("0\t:fail\t:read\tnil"),
      L("1\t:fail\t:cas\t[1 2]"),
      L("2\t:invoke\t:write\t3"),
      L("2\t:info\t:write\t:timed-out"),
      L(":nemesis\t:info\t:start\tnil"),
      L("0\t:invoke\t:write\t1"),
      L("0\t:ok\t:write\t1"),
      "",
    ].join("\n");
    const { history, warnings } = importJepsenLog(text, "e.log");
    expect(history).toEqual([
      { index: 0, time: 0, process: 0, type: "invoke", f: "read", value: null },
      { index: 1, time: 1000, process: 1, type: "invoke", f: "cas", value: [1, 2] },
      { index: 2, time: 2000, process: 0, type: "info", f: "read", value: null },
      { index: 3, time: 3000, process: 1, type: "fail", f: "cas", value: [1, 2] },
      { index: 4, time: 4000, process: 2, type: "invoke", f: "write", value: 3 },
      { index: 5, time: 5000, process: 2, type: "info", f: "write", value: 3, error: "timed-out" },
      { index: 6, time: 6000, process: "nemesis", type: "invoke", f: "start", value: null },
      // process 0's read ended unknown, so its next op gets a fresh process (above every id in the file)
      { index: 7, time: 7000, process: 3, type: "invoke", f: "write", value: 1 },
      { index: 8, time: 8000, process: 3, type: "ok", f: "write", value: 1 },
    ]);
    expect(warnings).toContain(
      "e.log: 1 time(s) a process invoked again after an op of its ended unknown (a failed or timed-out read): its later ops were given fresh process ids from 3 on, as Jepsen does after :info",
    );
  });

  it("reads history.txt lines (no logger prefix) the same way", () => {
    const withPrefix = importJepsenLog(
      [L("0\t:invoke\t:cas\t[1 2]"), L("0\t:fail\t:cas\t[1 2]")].join("\n"),
      "a",
    );
    const bare = importJepsenLog(
      ["0\t:invoke\t:cas\t[1 2]", "0\t:fail\t:cas\t[1 2]", "12 other text"].join("\n"),
      "a",
    );
    expect(bare.history).toEqual(withPrefix.history);
    expect(bare.history).toHaveLength(2);
  });

  const cases: Array<[string, string[], number, string]> = [
    [
      "missing fields",
      ["x", L("0\t:invoke\t:read")],
      2,
      "op line needs a process, a :type, an :f and a value",
    ],
    [
      "unknown type",
      [L("0\t:begin\t:read\tnil")],
      1,
      'unknown type ":begin" (expected :invoke, :ok, :fail or :info)',
    ],
    ["bad f", [L("0\t:invoke\tread\tnil")], 1, 'bad :f "read" (expected a keyword)'],
    ["bad value", [L("0\t:invoke\t:cas\t[1 2")], 1, "unterminated vector (opened at line 1)"],
    ["two values", [L("0\t:invoke\t:cas\t1 2")], 1, "more than one value on an op line"],
    [
      "completion first",
      [L("3\t:ok\t:read\t1")],
      1,
      "ok completion of read for process 3 with no open invocation",
    ],
  ];
  for (const [name, lines, line, reason] of cases) {
    it(name, async () => {
      await expectInputError(() => importJepsenLog(lines.join("\n"), "e.log"), "e.log", line, reason);
    });
  }
});

describe("Porcupine KV rules", () => {
  it("one map a line; blank lines skipped", () => {
    const { history } = importPorcupineKv(
      '{:process 0, :type :invoke, :f :put, :key "1", :value "x"}\n\n{:process 0, :type :ok, :f :put, :key "1", :value "x"}\n',
      "kv.txt",
    );
    expect(history.map((op) => [op.index, op.key, op.value])).toEqual([
      [0, "1", "x"],
      [1, "1", "x"],
    ]);
  });
  it("two ops on a line", async () => {
    await expectInputError(
      () => importPorcupineKv('{:process 0 :type :invoke :f :get :key "1"} {:process 1}', "kv.txt"),
      "kv.txt",
      1,
      "more than one op on this line",
    );
  });
  it("a broken line", async () => {
    await expectInputError(
      () => importPorcupineKv('{:process 0 :type :invoke :f :get :key "1"}\n{:process 0 :type :ok', "kv.txt"),
      "kv.txt",
      2,
      "unterminated map (opened at line 2)",
    );
  });
});

describe("loadHistory detects the format from content", () => {
  const kv =
    '{:process 0, :type :invoke, :f :get, :key "1", :value nil}\n{:process 0, :type :ok, :f :get, :key "1", :value ""}\n';
  const edn = "; comment\n[{:process 0 :type :invoke :f :read}]\n";
  const log = "INFO  jepsen.core - hello\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\n";
  const cases: Array<[string, string, string]> = [
    ["jsonl", toJsonl(sampleHistory()), "history.edn"],
    ["porcupine-kv", kv, "kv.jsonl"],
    ["jepsen-edn", edn, "x.log"],
    ["jepsen-log", log, "x.txt"],
    ["jepsen-log", "0\t:invoke\t:read\tnil\n0\t:ok\t:read\t3\n", "history.txt"],
  ];
  for (const [format, content, name] of cases) {
    it(`${format} in a file named ${name}`, async () => {
      const loaded = await loadHistory(dir.file(content, name), { completeOpen: false });
      expect(loaded.format).toBe(format);
      expect(loaded.history.length).toBeGreaterThan(0);
    });
  }

  it("a Jepsen log whose first op line comes after 64 KiB of other lines", async () => {
    const chatter = "INFO  jepsen.core - setting up\n".repeat(4000);
    const loaded = await loadHistory(dir.file(`${chatter}${log}`, "long.log"), { completeOpen: false });
    expect(loaded.format).toBe("jepsen-log");
    expect(loaded.history).toHaveLength(1);
  });

  it("an empty file is an empty history, with a warning", async () => {
    const path = dir.file("\n\n", "empty");
    expect(await loadHistory(path)).toEqual({
      history: [],
      format: "jsonl",
      warnings: [`${path}: the file is empty: an empty history`],
      timesSynthesized: false,
    });
  });

  it("anything else is refused with the line it starts on", async () => {
    const path = dir.file("\n\nhello world\n", "what");
    await expectInputError(
      () => loadHistory(path),
      path,
      3,
      "unrecognized history format (expected JSON lines, Jepsen EDN, Jepsen log lines or a Porcupine KV log)",
    );
  });

  it("completes open ops by default and says how many", async () => {
    const path = dir.file(toJsonl(sampleHistory()), "open.jsonl");
    const loaded = await loadHistory(path);
    expect(loaded.history).toHaveLength(8);
    expect(loaded.history[7]).toMatchObject({ index: 7, process: 0, type: "info", f: "release" });
    expect(loaded.warnings).toEqual([
      `${path}: 1 op(s) still open at the end of the history were completed as info`,
    ]);
  });
});

describe("parseValue", () => {
  it("reads EDN and JSON values", () => {
    expect(parseValue("0")).toBe(0);
    expect(parseValue("nil")).toBeNull();
    expect(parseValue("null")).toBeNull();
    expect(parseValue("{:x 0 :y 0}")).toEqual({ x: 0, y: 0 });
    expect(parseValue('{"x": 0, "y": 0}')).toEqual({ x: 0, y: 0 });
    expect(parseValue("[1 2]")).toEqual([1, 2]);
    expect(parseValue(":ok")).toBe("ok");
    expect(parseValue('"s"')).toBe("s");
  });
  it("refuses what is not exactly one value", async () => {
    await expectInputError(() => parseValue("1 2", "--init"), "--init", 1, "more than one value");
    await expectInputError(() => parseValue("  ", "--init"), "--init", 1, "empty value");
    await expectInputError(
      () => parseValue("{:x", "--init"),
      "--init",
      1,
      "unterminated map (opened at line 1)",
    );
    await expectInputError(() => parseValue("; only a comment"), "value", 1, "no value (only comments)");
  });
});
