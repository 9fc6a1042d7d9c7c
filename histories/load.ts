// Loads a history from any supported format, recognized by its content (never by its file name): JSON lines,
// Jepsen EDN, Jepsen log lines, Porcupine KV logs. Also parses a single EDN or JSON value (the CLI's --init).
// It must never throw anything but HistoryInputError for bad input, and never depends on models or checker.

import { readFile } from "node:fs/promises";
import { completeOpenOps, countOpenOps } from "./complete-open.js";
import { EdnReader } from "./edn/reader.js";
import { EdnMap, ednToJs } from "./edn/values.js";
import { importJepsenEdn } from "./import/jepsen-edn.js";
import { importJepsenLog, isJepsenLogOpLine } from "./import/jepsen-log.js";
import type { ImportResult } from "./import/normalize.js";
import { importPorcupineKv } from "./import/porcupine-kv.js";
import { openHistoryFile, readJsonlHistory, unreadableFile } from "./jsonl-reader.js";
import { type History, HistoryInputError } from "./op.js";

export type HistoryFormat = "jsonl" | "jepsen-edn" | "jepsen-log" | "porcupine-kv";

export interface LoadedHistory {
  history: History;
  format: HistoryFormat;
  warnings: string[];
  /** No op in the file had a time: times were made up from the file order (see ImportResult). */
  timesSynthesized: boolean;
}

export interface LoadOptions {
  /**
   * Give every op still open at the end an `info` completion (completeOpenOps), as a crashed run's prefix
   * needs. Default true; the warnings say how many.
   */
  completeOpen?: boolean;
}

/** How much of the file format detection looks at. */
const SAMPLE_BYTES = 64 * 1024;

async function readSample(path: string): Promise<string> {
  const handle = await openHistoryFile(path);
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const { bytesRead } = await handle.read(buf, 0, SAMPLE_BYTES, 0);
    return buf.subarray(0, bytesRead).toString("utf8");
  } finally {
    await handle.close();
  }
}

/** Which format `sample` (the start of a file) is in, or undefined when it is empty. */
export function detectFormat(sample: string, file: string): HistoryFormat | undefined {
  const text = sample.charCodeAt(0) === 0xfeff ? sample.slice(1) : sample;
  const lines = text.split("\n");
  const firstIndex = lines.findIndex((l) => l.trim() !== "");
  if (firstIndex < 0) return undefined;
  const first = lines[firstIndex].trim();
  if (/^\{\s*("|\})/.test(first) || /^\{\s*$/.test(first)) return "jsonl";
  const c = first[0];
  if (c === "[" || c === "(" || c === ";" || c === "#") return "jepsen-edn";
  if (c === "{") return looksLikePorcupineKv(first) ? "porcupine-kv" : "jepsen-edn";
  if (lines.some(isJepsenLogOpLine)) return "jepsen-log";
  throw new HistoryInputError(
    file,
    firstIndex + 1,
    "unrecognized history format (expected JSON lines, Jepsen EDN, Jepsen log lines or a Porcupine KV log)",
  );
}

/** One complete EDN map on the first line, with a :key: Porcupine's one-op-a-line KV logs. */
function looksLikePorcupineKv(firstLine: string): boolean {
  try {
    const reader = new EdnReader(firstLine, "");
    const form = reader.next();
    return (
      form?.value instanceof EdnMap && form.value.get("key") !== undefined && reader.next() === undefined
    );
  } catch {
    return false;
  }
}

async function readText(path: string): Promise<string> {
  try {
    return await readFile(path, "utf8");
  } catch (err) {
    throw unreadableFile(path, err);
  }
}

/** Reads the history in `path`, whatever its format; throws HistoryInputError (`file:line: reason`). */
export async function loadHistory(path: string, options: LoadOptions = {}): Promise<LoadedHistory> {
  const sample = await readSample(path);
  let format: HistoryFormat | undefined;
  try {
    format = detectFormat(sample, path);
  } catch (err) {
    // A log whose first op line comes after the sample: look at the whole file before giving up.
    if (Buffer.byteLength(sample) < SAMPLE_BYTES - 4) throw err;
    format = detectFormat(await readText(path), path);
  }
  let result: ImportResult;
  if (format === undefined) {
    result = { history: [], warnings: [`${path}: the file is empty: an empty history`] };
  } else if (format === "jsonl") {
    result = await readJsonlHistory(path);
  } else {
    const text = await readText(path);
    if (format === "jepsen-edn") result = importJepsenEdn(text, path);
    else if (format === "porcupine-kv") result = importPorcupineKv(text, path);
    else result = importJepsenLog(text, path);
  }
  let history = result.history;
  const warnings = [...result.warnings];
  if (options.completeOpen !== false) {
    const open = countOpenOps(history);
    if (open > 0) {
      history = completeOpenOps(history);
      warnings.push(`${path}: ${open} op(s) still open at the end of the history were completed as info`);
    }
  }
  return { history, format: format ?? "jsonl", warnings, timesSynthesized: result.timesSynthesized === true };
}

/**
 * Parses one EDN or JSON value: `0`, `nil`, `null`, `{:x 0 :y 0}`, `{"x": 0}`, `[1 2]`. Keywords become
 * strings, nil null. Throws HistoryInputError naming `source` (default "value") when it is not one value.
 */
export function parseValue(text: string, source = "value"): unknown {
  if (text.trim() === "") throw new HistoryInputError(source, 1, "empty value");
  try {
    return JSON.parse(text);
  } catch {
    // not JSON: read it as EDN
  }
  const reader = new EdnReader(text, source);
  const form = reader.next();
  if (form === undefined) throw new HistoryInputError(source, 1, "no value (only comments)");
  const extra = reader.next();
  if (extra !== undefined) throw new HistoryInputError(source, extra.line, "more than one value");
  return ednToJs(form.value);
}
