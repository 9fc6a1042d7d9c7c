// Streaming reader of JSONL histories (docs/history-format.md): reads a file in fixed-size chunks, one line
// at a time, and checks every op as it goes, stopping at the first problem with `file:line: reason`.
// Memory is bounded by one chunk plus the longest line. It never guesses: the only thing it forgives is a
// torn last line without a newline (a writer that crashed mid-write), and it says so in a warning.

import { open } from "node:fs/promises";
import { StringDecoder } from "node:string_decoder";
import { type History, HistoryInputError, type Op } from "./op.js";
import { HistoryValidator, opFromJson } from "./validate.js";

export { completeOpenOps, countOpenOps } from "./complete-open.js";

export interface JsonlReadOptions {
  /** Receives each warning as it is found (they are also returned by readJsonlHistory). */
  onWarning?: (warning: string) => void;
  /** Lines longer than this many characters are refused (default 16 MiB). */
  maxLineLength?: number;
  /** Bytes read per chunk (default 1 MiB). */
  chunkSize?: number;
}

export interface JsonlReadResult {
  history: History;
  warnings: string[];
}

const DEFAULT_MAX_LINE = 16 * 1024 * 1024;
const DEFAULT_CHUNK = 1024 * 1024;

function isBlank(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c !== 32 && c !== 9 && c !== 13) return false;
  }
  return true;
}

/** Parses and validates one line; throws HistoryInputError. */
function parseLine(text: string, file: string, line: number, validator: HistoryValidator): Op {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new HistoryInputError(file, line, `bad JSON: ${(err as Error).message}`);
  }
  const op = opFromJson(raw, file, line);
  validator.accept(op, line);
  return op;
}

/** Splits decoded text into lines and turns each into a checked op; the last line may be torn. */
class JsonlParser {
  private readonly validator: HistoryValidator;
  private carry = "";
  private lineNo = 0;
  private first = true;

  constructor(
    private readonly file: string,
    private readonly maxLine: number,
    private readonly emit: (op: Op) => void,
  ) {
    this.validator = new HistoryValidator(file);
  }

  push(text: string): void {
    const file = this.file;
    if (this.first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      this.first = false;
    }
    let start = 0;
    let nl = text.indexOf("\n");
    if (nl >= 0 && this.carry !== "") {
      const lineText = this.carry + text.slice(0, nl);
      this.carry = "";
      this.lineNo++;
      if (lineText.length > this.maxLine) {
        throw new HistoryInputError(file, this.lineNo, `line longer than ${this.maxLine} characters`);
      }
      if (!isBlank(lineText)) this.emit(parseLine(lineText, file, this.lineNo, this.validator));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    while (nl >= 0) {
      this.lineNo++;
      if (nl - start > this.maxLine) {
        throw new HistoryInputError(file, this.lineNo, `line longer than ${this.maxLine} characters`);
      }
      const lineText = text.slice(start, nl);
      if (!isBlank(lineText)) this.emit(parseLine(lineText, file, this.lineNo, this.validator));
      start = nl + 1;
      nl = text.indexOf("\n", start);
    }
    this.carry = start === 0 ? this.carry + text : this.carry + text.slice(start);
    if (this.carry.length > this.maxLine) {
      throw new HistoryInputError(file, this.lineNo + 1, `line longer than ${this.maxLine} characters`);
    }
  }

  /** Handles the text after the last newline; returns a warning when that line is torn. */
  end(): string | undefined {
    const carry = this.carry;
    this.carry = "";
    if (isBlank(carry)) return undefined;
    const line = ++this.lineNo;
    let raw: unknown;
    try {
      raw = JSON.parse(carry);
    } catch {
      return `${this.file}:${line}: torn last line ignored (no newline at the end and not valid JSON: the writer probably crashed mid-write)`;
    }
    const op = opFromJson(raw, this.file, line);
    this.validator.accept(op, line);
    this.emit(op);
    return undefined;
  }
}

/** The error for a history file that cannot be opened or read: a HistoryInputError at line 0. */
export function unreadableFile(path: string, err: unknown): HistoryInputError {
  return new HistoryInputError(
    path,
    0,
    `cannot read the file (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
  );
}

/** Open a history file for reading, or throw `unreadableFile`. */
export async function openHistoryFile(path: string): Promise<Awaited<ReturnType<typeof open>>> {
  try {
    return await open(path, "r");
  } catch (err) {
    throw unreadableFile(path, err);
  }
}

/** The decoded text of `path`, chunk by chunk (UTF-8 characters split across chunks are joined). */
async function* decodedChunks(path: string, chunkSize: number): AsyncGenerator<string> {
  const handle = await openHistoryFile(path);
  try {
    const buf = Buffer.allocUnsafe(chunkSize);
    const decoder = new StringDecoder("utf8");
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      yield decoder.write(bytesRead === buf.length ? buf : buf.subarray(0, bytesRead));
    }
    const rest = decoder.end();
    if (rest !== "") yield rest;
  } finally {
    await handle.close();
  }
}

/**
 * Reads a JSONL history, calling `onOp` for each valid op in order. Resolves with the warnings; rejects with
 * HistoryInputError at the first bad line (or when the file cannot be read).
 */
export async function forEachJsonlOp(
  path: string,
  onOp: (op: Op) => void,
  options: JsonlReadOptions = {},
): Promise<string[]> {
  const warnings: string[] = [];
  const parser = new JsonlParser(path, options.maxLineLength ?? DEFAULT_MAX_LINE, onOp);
  for await (const text of decodedChunks(path, options.chunkSize ?? DEFAULT_CHUNK)) parser.push(text);
  const torn = parser.end();
  if (torn !== undefined) {
    warnings.push(torn);
    options.onWarning?.(torn);
  }
  return warnings;
}

/** Reads a whole JSONL history into memory (ops left open stay open: see completeOpenOps). */
export async function readJsonlHistory(
  path: string,
  options: JsonlReadOptions = {},
): Promise<JsonlReadResult> {
  const history: Op[] = [];
  const warnings = await forEachJsonlOp(path, (op) => history.push(op), options);
  return { history, warnings };
}

/**
 * The ops of a JSONL history one by one (stops with HistoryInputError). It reads one chunk ahead at most,
 * so memory stays bounded however long the file is. Warnings go to options.onWarning.
 */
export async function* readJsonlOps(path: string, options: JsonlReadOptions = {}): AsyncGenerator<Op> {
  let batch: Op[] = [];
  const parser = new JsonlParser(path, options.maxLineLength ?? DEFAULT_MAX_LINE, (op) => batch.push(op));
  for await (const text of decodedChunks(path, options.chunkSize ?? DEFAULT_CHUNK)) {
    let failure: unknown;
    try {
      parser.push(text);
    } catch (err) {
      failure = err;
    }
    const ready = batch;
    batch = [];
    yield* ready; // the good ops before a bad line come out first
    if (failure !== undefined) throw failure;
  }
  let torn: string | undefined;
  try {
    torn = parser.end();
  } finally {
    yield* batch;
  }
  if (torn !== undefined) options.onWarning?.(torn);
}
