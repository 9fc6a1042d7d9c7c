// Imports Porcupine's key-value logs: one EDN op map a line, with :key
// (`{:process 9, :type :invoke, :f :append, :key "0", :value "x 9 0 y"}`). Times are synthesized from the
// line order (the logs have none). It must never throw anything but HistoryInputError.

import { EdnReader } from "../edn/reader.js";
import { HistoryInputError } from "../op.js";
import { ednOpFromMap } from "./edn-op.js";
import { type ImportResult, normalizeOps, type RawOp } from "./normalize.js";

export function importPorcupineKv(text: string, file: string): ImportResult {
  const raw: RawOp[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineText = i === 0 && lines[0].charCodeAt(0) === 0xfeff ? lines[0].slice(1) : lines[i];
    const reader = new EdnReader(lineText, file, i + 1);
    const form = reader.next();
    if (form === undefined) continue; // blank or comment
    raw.push(ednOpFromMap(form.value, file, i + 1));
    if (reader.next() !== undefined)
      throw new HistoryInputError(file, i + 1, "more than one op on this line");
  }
  return normalizeOps(raw, file);
}
