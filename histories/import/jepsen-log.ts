// Imports Jepsen log lines (`INFO  jepsen.util - <process>\t:<type>\t:<f>\t<value>`, tabs or spaces), as in
// Porcupine's etcd test data, and the same lines without the logger prefix (Jepsen's history.txt, tab-separated);
// lines that are not op lines are skipped. Porcupine's semantics are encoded here: a read that
// completes with :fail or :info returned nothing, so it becomes `info`; a :fail cas stays a definite failure.
// A keyword value on a fail/info completion (`:timed-out`) is its error; the op keeps the invocation's value.
// It must never throw anything but HistoryInputError.

import { EdnReader } from "../edn/reader.js";
import { EdnKeyword, ednToJs } from "../edn/values.js";
import { HistoryInputError, type OpType, type ProcessId } from "../op.js";
import { type ImportResult, normalizeOps, type RawOp } from "./normalize.js";

/** An op line: the logger prefix, then a process id and whitespace (tabs, or spaces in some logs). */
const OP_LINE_RE = /\bINFO\s+jepsen\.util\s+-\s+(\d+|:nemesis)[\t ]+(.*)$/;
/** The rest of an op line: type, f, value. */
/** The same without the logger prefix (history.txt): tab-separated, starting with the process and a type. */
const BARE_LINE_RE = /^(\d+|:nemesis)\t(:(?:invoke|ok|fail|info)\t.*)$/;
const FIELDS_RE = /^(\S+)[\t ]+(\S+)[\t ]+(.*?)\s*$/;
const TYPES = new Set<string>(["invoke", "ok", "fail", "info"]);

export function isJepsenLogOpLine(line: string): boolean {
  return OP_LINE_RE.test(line) || BARE_LINE_RE.test(line);
}

export function importJepsenLog(text: string, file: string): ImportResult {
  const raw: RawOp[] = [];
  const openValue = new Map<ProcessId, unknown>();
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const text = lines[i].endsWith("\r") ? lines[i].slice(0, -1) : lines[i];
    const m = OP_LINE_RE.exec(text) ?? BARE_LINE_RE.exec(text);
    if (m === null) continue;
    const process: ProcessId = m[1] === ":nemesis" ? "nemesis" : Number(m[1]);
    if (process !== "nemesis" && !Number.isSafeInteger(process)) {
      throw new HistoryInputError(file, lineNo, `process ${m[1]} is too large`);
    }
    const fm = FIELDS_RE.exec(m[2]);
    if (fm === null || fm[3] === "") {
      throw new HistoryInputError(file, lineNo, "op line needs a process, a :type, an :f and a value");
    }
    const fields = [fm[1], fm[2], fm[3]];
    const typeName = fields[0].startsWith(":") ? fields[0].slice(1) : "";
    if (!TYPES.has(typeName)) {
      throw new HistoryInputError(
        file,
        lineNo,
        `unknown type ${JSON.stringify(fields[0])} (expected :invoke, :ok, :fail or :info)`,
      );
    }
    const f = fields[1].startsWith(":") ? fields[1].slice(1) : "";
    if (!/^[A-Za-z*!_?<>=][\w*+!_?<>=.-]*$/.test(f)) {
      throw new HistoryInputError(file, lineNo, `bad :f ${JSON.stringify(fields[1])} (expected a keyword)`);
    }
    const valueText = fields[2];
    const reader = new EdnReader(valueText, file, lineNo);
    const form = reader.next();
    if (form === undefined) throw new HistoryInputError(file, lineNo, "op line has no value");
    if (reader.next() !== undefined)
      throw new HistoryInputError(file, lineNo, "more than one value on an op line");

    let type = typeName as OpType;
    const op: RawOp = { line: lineNo, process, type, f };
    if (type === "invoke") {
      op.value = ednToJs(form.value);
      openValue.set(process, op.value);
    } else {
      const invoked = openValue.get(process);
      openValue.delete(process);
      if (type !== "ok" && form.value instanceof EdnKeyword) {
        op.error = form.value.name;
        op.value = invoked;
      } else {
        op.value = ednToJs(form.value);
      }
      if (f === "read" && (type === "fail" || type === "info")) {
        type = "info";
        op.value = invoked;
      }
      op.type = type;
    }
    raw.push(op);
  }
  const renamed = freshProcessesAfterInfo(raw);
  const result = normalizeOps(raw, file);
  if (renamed.count > 0) {
    result.warnings.push(
      `${file}: ${renamed.count} time(s) a process invoked again after an op of its ended unknown (a failed or timed-out read): its later ops were given fresh process ids from ${renamed.first} on, as Jepsen does after :info`,
    );
  }
  return result;
}

/**
 * A process whose op ended `info` never invokes again (DESIGN.md section 2). Jepsen already gives a fresh
 * process after :info; reads turned into info here did not, so their process's later ops get fresh ids
 * (above every id in the file). Rewrites `raw` in place; returns how many renames and the first new id.
 */
function freshProcessesAfterInfo(raw: RawOp[]): { count: number; first: number } {
  let next = 0;
  for (const r of raw) if (typeof r.process === "number" && r.process >= next) next = r.process + 1;
  const first = next;
  const current = new Map<number, number>();
  const ended = new Set<number>();
  let count = 0;
  for (const r of raw) {
    if (typeof r.process !== "number") continue;
    const original = r.process;
    if (r.type === "invoke" && ended.has(original)) {
      current.set(original, next++);
      ended.delete(original);
      count++;
    }
    r.process = current.get(original) ?? original;
    if (r.type === "info") ended.add(original);
  }
  return { count, first };
}
