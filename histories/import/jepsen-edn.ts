// Imports Jepsen/Knossos EDN histories: one vector or list of op maps, or a sequence of op maps, with `;`
// comments and maps over several lines. Missing :time is synthesized and backwards time clamped (both with
// a warning, see normalize.ts). It must never reorder ops or throw anything but HistoryInputError.

import { EdnReader } from "../edn/reader.js";
import { EdnList, EdnMap } from "../edn/values.js";
import { ednOpFromMap } from "./edn-op.js";
import { type ImportResult, normalizeOps, type RawOp } from "./normalize.js";

export function importJepsenEdn(text: string, file: string): ImportResult {
  const reader = new EdnReader(text, file);
  const raw: RawOp[] = [];
  for (let form = reader.next(); form !== undefined; form = reader.next()) {
    const v = form.value;
    if (v instanceof EdnList && v.kind !== "set") {
      for (let i = 0; i < v.items.length; i++) raw.push(ednOpFromMap(v.items[i], file, v.itemLines[i]));
    } else if (v instanceof EdnMap) {
      raw.push(ednOpFromMap(v, file, form.line));
    } else {
      raw.push(ednOpFromMap(v, file, form.line)); // throws: not an op map
    }
  }
  return normalizeOps(raw, file);
}
