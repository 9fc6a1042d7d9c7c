// Reads one Jepsen op map ({:process 3, :type :invoke, :f :cas, :value [1 2], :time ...}) as a RawOp:
// keywords become plain strings, nil null, vectors arrays, :nemesis the process "nemesis".
// It checks field types only (ordering rules are normalize.ts's job) and must never guess a missing field.

import {
  describeEdn,
  EdnChar,
  EdnKeyword,
  EdnMap,
  EdnSymbol,
  EdnTagged,
  type EdnValue,
  ednToJs,
} from "../edn/values.js";
import { HistoryInputError, type OpType, type ProcessId } from "../op.js";
import type { RawOp } from "./normalize.js";

const TYPES = new Set<string>(["invoke", "ok", "fail", "info"]);

function nameOf(v: EdnValue): string | undefined {
  if (typeof v === "string") return v;
  if (v instanceof EdnKeyword || v instanceof EdnSymbol) return v.name;
  return undefined;
}

function nonNegativeInteger(v: EdnValue): number | undefined {
  return typeof v === "number" && Number.isSafeInteger(v) && v >= 0 ? v : undefined;
}

export function ednOpFromMap(form: EdnValue, file: string, line: number): RawOp {
  // Newer Jepsen prints ops as records: #jepsen.history.Op{...} (older Knossos: #knossos.op.Op{...}).
  if (form instanceof EdnTagged && form.value instanceof EdnMap) form = form.value;
  if (!(form instanceof EdnMap)) {
    throw new HistoryInputError(file, line, `expected an op map, found ${describeEdn(form)}`);
  }
  const opLine = form.line;
  const processEntry = form.get("process");
  if (processEntry === undefined) throw new HistoryInputError(file, opLine, "op has no :process");
  let process: ProcessId;
  const pv = processEntry.value;
  const pn = nonNegativeInteger(pv);
  if (pn !== undefined) process = pn;
  else if (nameOf(pv) === "nemesis") process = "nemesis";
  else {
    throw new HistoryInputError(
      file,
      processEntry.line,
      `:process must be a non-negative integer or :nemesis, found ${describeEdn(pv)}`,
    );
  }

  const typeEntry = form.get("type");
  if (typeEntry === undefined) throw new HistoryInputError(file, opLine, "op has no :type");
  const type = nameOf(typeEntry.value);
  if (type === undefined || !TYPES.has(type)) {
    throw new HistoryInputError(
      file,
      typeEntry.line,
      `unknown type ${describeEdn(typeEntry.value)} (expected :invoke, :ok, :fail or :info)`,
    );
  }

  const fEntry = form.get("f");
  if (fEntry === undefined) throw new HistoryInputError(file, opLine, "op has no :f");
  const f = nameOf(fEntry.value);
  if (f === undefined || f === "") {
    throw new HistoryInputError(
      file,
      fEntry.line,
      `:f must be a keyword or a string, found ${describeEdn(fEntry.value)}`,
    );
  }

  const raw: RawOp = { line: opLine, process, type: type as OpType, f };

  const keyEntry = form.get("key");
  if (keyEntry !== undefined) {
    const k = keyEntry.value;
    const name = nameOf(k);
    if (name !== undefined) raw.key = name;
    else if (typeof k === "number" || typeof k === "bigint") raw.key = String(k);
    else if (k instanceof EdnChar) raw.key = k.char;
    else
      throw new HistoryInputError(
        file,
        keyEntry.line,
        `:key must be a string, keyword or number, found ${describeEdn(k)}`,
      );
  }

  const valueEntry = form.get("value");
  if (valueEntry !== undefined) raw.value = ednToJs(valueEntry.value);
  const errorEntry = form.get("error");
  if (errorEntry !== undefined) raw.error = ednToJs(errorEntry.value);

  const timeEntry = form.get("time");
  if (timeEntry !== undefined) {
    const t = nonNegativeInteger(timeEntry.value);
    if (t === undefined) {
      throw new HistoryInputError(
        file,
        timeEntry.line,
        `:time must be a non-negative integer (ns), found ${describeEdn(timeEntry.value)}`,
      );
    }
    raw.time = t;
  }
  const indexEntry = form.get("index");
  if (indexEntry !== undefined) {
    const i = nonNegativeInteger(indexEntry.value);
    if (i === undefined) {
      throw new HistoryInputError(
        file,
        indexEntry.line,
        `:index must be a non-negative integer, found ${describeEdn(indexEntry.value)}`,
      );
    }
    raw.index = i;
  }
  return raw;
}
