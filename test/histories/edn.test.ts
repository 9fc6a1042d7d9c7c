// The EDN reader and printer: values, line tracking in errors, bounded nesting, and (fast-check) that any
// text ends in values or a HistoryInputError, and that printed values read back the same.

import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { printEdn } from "../../histories/edn/printer.js";
import { EdnReader, MAX_EDN_DEPTH, readEdnForms } from "../../histories/edn/reader.js";
import { EdnKeyword, type EdnList, type EdnMap, ednToJs } from "../../histories/edn/values.js";
import { HistoryInputError } from "../../histories/op.js";
import { expectInputError } from "./helpers.js";

const js = (text: string) => readEdnForms(text, "t.edn").map((f) => ednToJs(f.value));

describe("EDN values", () => {
  it("reads scalars", () => {
    expect(js("nil true false 0 -2 +3 1.5 -1e3 2N 1.5M 1/4 9007199254740993")).toEqual([
      null,
      true,
      false,
      0,
      -2,
      3,
      1.5,
      -1000,
      2,
      1.5,
      0.25,
      "9007199254740993",
    ]);
    expect(js('"a\\n\\t\\"\\\\\\u0041" \\a \\newline \\u0042 :ok :jepsen/nemesis sym ##Inf')).toEqual([
      'a\n\t"\\A',
      "a",
      "\n",
      "B",
      "ok",
      "jepsen/nemesis",
      "sym",
      Number.POSITIVE_INFINITY,
    ]);
  });

  it("reads collections, tags, comments and discards", () => {
    const forms = js(`; a comment
      [1 2 (3 4)] #{:a} {:x 0, "y" [nil]} #inst "2020-01-01" #_ {:dropped 1} [#_ 5 6]`);
    expect(forms).toEqual([[1, 2, [3, 4]], ["a"], { x: 0, y: [null] }, "2020-01-01", [6]]);
    expect(js("#_ 1")).toEqual([]);
  });

  it("knows the line of every form, map entry and list item", () => {
    const forms = readEdnForms("\n[{:a 1\n  :b 2}\n {:c\n 3}]\n:z", "t.edn");
    expect(forms.map((f) => f.line)).toEqual([2, 6]);
    const vec = forms[0].value as EdnList;
    expect(vec.itemLines).toEqual([2, 4]);
    const m = vec.items[0] as EdnMap;
    expect(m.line).toBe(2);
    expect(m.entries.map((e) => e.line)).toEqual([2, 3]);
    expect((m.get("b")?.value as number) + 0).toBe(2);
    expect(forms[1].value).toBeInstanceOf(EdnKeyword);
  });
});

describe("EDN errors carry file:line", () => {
  const cases: Array<[string, string, number, string]> = [
    ["unterminated map", "[{:a 1}\n {:b 2\n\n", 4, "unterminated map (opened at line 2)"],
    ["unterminated vector", "\n[1 2", 2, "unterminated vector (opened at line 2)"],
    ["unterminated string", 'x\n"abc\n\n', 2, "unterminated string"],
    ["stray closer", "[1]\n]", 2, "unexpected ']'"],
    ["mismatched closer", "[1\n)", 2, "unexpected ')'"],
    ["map key without value", "{:a 1\n :b}", 2, "map has a key with no value"],
    ["duplicate key", "{:a 1\n :a 2}", 2, "duplicate map key :a"],
    ["bad number", "1.2.3", 1, 'bad number "1.2.3"'],
    ["bad keyword", ": x", 1, "bad keyword :"],
    ["bad escape", '"\\q"', 1, "bad escape \\q in string"],
    ["bad char", "\\abc", 1, "bad character literal \\abc"],
    ["unsupported dispatch", "#:a{:b 1}", 1, "unsupported dispatch '#:'"],
    ["ratio by zero", "1/0", 1, "division by zero in 1/0"],
  ];
  for (const [name, text, line, reason] of cases) {
    it(name, async () => {
      await expectInputError(() => readEdnForms(text, "t.edn"), "t.edn", line, reason);
    });
  }

  it("bounds nesting instead of overflowing the stack", async () => {
    await expectInputError(
      () => readEdnForms("[".repeat(100_000), "t.edn"),
      "t.edn",
      1,
      `nesting deeper than ${MAX_EDN_DEPTH}`,
    );
    expect(js(`${"[".repeat(MAX_EDN_DEPTH)}${"]".repeat(MAX_EDN_DEPTH)}`)).toHaveLength(1);
  });
});

function readAllOrInputError(text: string): void {
  try {
    const r = new EdnReader(text, "fuzz.edn");
    for (let f = r.next(); f !== undefined; f = r.next()) ednToJs(f.value);
  } catch (err) {
    if (!(err instanceof HistoryInputError)) throw err;
    expect(err.line).toBeGreaterThanOrEqual(1);
    expect(err.line).toBeLessThanOrEqual(text.split("\n").length);
  }
}

describe("EDN properties", () => {
  it("any text ends in values or a HistoryInputError with a line inside the text", () => {
    const ednish = fc.string({
      unit: fc.constantFrom(..."[]{}()#_:;\\\"' \n,0123456789.-+/eENMabcnil#{}^@~`\u00e9\u{1F512}".split("")),
      maxLength: 200,
    });
    fc.assert(
      fc.property(fc.oneof(ednish, fc.string({ unit: "binary", maxLength: 200 })), readAllOrInputError),
      {
        numRuns: 1000,
      },
    );
  });

  it("printed JSON values read back equal", () => {
    fc.assert(
      fc.property(fc.jsonValue(), (v) => {
        const back = ednToJs(new EdnReader(printEdn(v), "p.edn").next()!.value);
        expect(back).toEqual(v);
      }),
      { numRuns: 1000 },
    );
  });
});
