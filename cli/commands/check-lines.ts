// Finds the file line of a history op from its index, so that a model's complaint about one op (which names
// only the op's history index) can be reported as `file:line: what is wrong`. Used only on that error path;
// it re-reads the file the same way the importers walk it, and must never guess: unknown -> undefined.

import { readFileSync } from "node:fs";
import { EdnReader } from "../../histories/edn/reader.js";
import { EdnList } from "../../histories/edn/values.js";
import { isJepsenLogOpLine } from "../../histories/import/jepsen-log.js";
import type { HistoryFormat } from "../../histories/load.js";

/** The 1-based line where each op of the file starts, in history order. */
function opStartLines(text: string, format: HistoryFormat, file: string): number[] {
  const lines = text.split("\n");
  const out: number[] = [];
  if (format === "jsonl") {
    lines.forEach((l, i) => {
      if (l.trim() !== "") out.push(i + 1);
    });
  } else if (format === "jepsen-log") {
    lines.forEach((l, i) => {
      if (isJepsenLogOpLine(l.endsWith("\r") ? l.slice(0, -1) : l)) out.push(i + 1);
    });
  } else if (format === "porcupine-kv") {
    lines.forEach((l, i) => {
      if (new EdnReader(l, file, i + 1).next() !== undefined) out.push(i + 1);
    });
  } else {
    const reader = new EdnReader(text, file);
    for (let form = reader.next(); form !== undefined; form = reader.next()) {
      if (form.value instanceof EdnList && form.value.kind !== "set") out.push(...form.value.itemLines);
      else out.push(form.line);
    }
  }
  return out;
}

/**
 * The line of the op at `index` in `file`, or undefined when it cannot be told (an op the loader added
 * at the end to close an open one, or a file that changed since it was read).
 */
export function lineOfOp(file: string, format: HistoryFormat, index: number): number | undefined {
  try {
    return opStartLines(readFileSync(file, "utf8"), format, file)[index];
  } catch {
    return undefined;
  }
}
