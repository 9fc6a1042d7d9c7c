// A small EDN reader that knows the line of every form it reads, so bad input is reported as `file:line: reason`.
// It reads text already in memory; it must never throw anything but HistoryInputError, whatever the input
// (nesting is bounded so that no input can overflow the stack).

import { HistoryInputError } from "../op.js";
import {
  EdnChar,
  EdnKeyword,
  EdnList,
  EdnMap,
  type EdnMapEntry,
  EdnSymbol,
  EdnTagged,
  type EdnValue,
} from "./values.js";

/** Deeper nesting than this is refused (no op in any history nests this deep). */
export const MAX_EDN_DEPTH = 256;

export interface EdnForm {
  value: EdnValue;
  /** 1-based line where the form starts. */
  line: number;
}

const NAMED_CHARS: Record<string, string> = {
  newline: "\n",
  space: " ",
  tab: "\t",
  return: "\r",
  formfeed: "\f",
  backspace: "\b",
};

const INT_RE = /^[+-]?\d+N?$/;
const FLOAT_RE = /^[+-]?\d+(\.\d*)?([eE][+-]?\d+)?M?$/;
const RATIO_RE = /^[+-]?\d+\/\d+$/;
const SYMBOL_RE = /^(?:\/|[^\d:#'"\\,;()[\]{}\s][^"\\,;()[\]{}\s]*)$/u;
const CLOSERS: Record<string, string> = { "(": ")", "[": "]", "{": "}" };

function isDelimiter(c: number): boolean {
  // whitespace, comma, brackets, quote, semicolon
  return (
    c === 32 ||
    c === 10 ||
    c === 13 ||
    c === 9 ||
    c === 12 ||
    c === 44 ||
    c === 40 ||
    c === 41 ||
    c === 91 ||
    c === 93 ||
    c === 123 ||
    c === 125 ||
    c === 34 ||
    c === 59
  );
}

export class EdnReader {
  private pos = 0;
  private lineNo: number;
  private readonly keywords = new Map<string, EdnKeyword>();

  constructor(
    private readonly text: string,
    private readonly file: string,
    firstLine = 1,
  ) {
    this.lineNo = firstLine;
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
  }

  /** The current line (after the last form read). */
  get line(): number {
    return this.lineNo;
  }

  /** The next top-level form, or undefined at the end of the text. */
  next(): EdnForm | undefined {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) return undefined;
      if (this.text[this.pos] === "#" && this.text[this.pos + 1] === "_") {
        this.pos += 2;
        this.readRequired(1, undefined);
        continue;
      }
      const line = this.lineNo;
      const value = this.readRequired(0, undefined);
      return { value, line };
    }
  }

  private readRequired(depth: number, closer: string | undefined): EdnValue {
    const v = this.tryRead(depth, closer);
    if (v === CLOSE) throw this.error(`expected a value before '${closer}'`);
    return v;
  }

  /** Reads one form, or returns CLOSE when the collection's closer comes first. */
  private tryRead(depth: number, closer: string | undefined): EdnValue | typeof CLOSE {
    for (;;) {
      this.skipSpace();
      if (this.pos >= this.text.length) throw this.error("unexpected end of input");
      const c = this.text[this.pos];
      if (closer !== undefined && c === closer) {
        this.pos++;
        return CLOSE;
      }
      if (c === "#" && this.text[this.pos + 1] === "_") {
        this.pos += 2;
        this.readRequired(depth + 1, closer);
        continue;
      }
      return this.readValue(depth);
    }
  }

  private readValue(depth: number): EdnValue {
    if (depth > MAX_EDN_DEPTH) throw this.error(`nesting deeper than ${MAX_EDN_DEPTH}`);
    const text = this.text;
    const c = text[this.pos];
    switch (c) {
      case "(":
      case "[":
        return this.readList(c === "(" ? "list" : "vector", CLOSERS[c], depth);
      case "{":
        return this.readMap(depth);
      case ")":
      case "]":
      case "}":
        throw this.error(`unexpected '${c}'`);
      case '"':
        return this.readString();
      case "\\":
        return this.readChar();
      case ":":
        return this.readKeyword();
      case "#":
        return this.readDispatch(depth);
      default:
        return this.readAtom();
    }
  }

  private readList(kind: "list" | "vector" | "set", closer: string, depth: number): EdnList {
    const line = this.lineNo;
    this.pos++; // the opener
    const items: EdnValue[] = [];
    const itemLines: number[] = [];
    for (;;) {
      this.skipSpace();
      const itemLine = this.lineNo;
      const v = this.tryReadIn(depth + 1, closer, kind, line);
      if (v === CLOSE) return new EdnList(kind, items, line, itemLines);
      items.push(v);
      itemLines.push(itemLine);
    }
  }

  private readMap(depth: number): EdnMap {
    const line = this.lineNo;
    this.pos++;
    const entries: EdnMapEntry[] = [];
    for (;;) {
      this.skipSpace();
      const keyLine = this.lineNo;
      const key = this.tryReadIn(depth + 1, "}", "map", line);
      if (key === CLOSE) return new EdnMap(entries, line);
      const value = this.tryReadIn(depth + 1, "}", "map", line);
      if (value === CLOSE) throw new HistoryInputError(this.file, keyLine, "map has a key with no value");
      if (key instanceof EdnKeyword || typeof key === "string") {
        // Keywords are interned, so identity is equality; maps in histories are small, so a scan is cheap.
        for (const e of entries) {
          if (e.key === key) {
            const shown = typeof key === "string" ? JSON.stringify(key) : `:${key.name}`;
            throw new HistoryInputError(this.file, keyLine, `duplicate map key ${shown}`);
          }
        }
      }
      entries.push({ key, value, line: keyLine });
    }
  }

  /** Like tryRead, but an end of input names the unclosed collection and where it opened. */
  private tryReadIn(depth: number, closer: string, kind: string, openLine: number): EdnValue | typeof CLOSE {
    this.skipSpace();
    if (this.pos >= this.text.length) throw this.error(`unterminated ${kind} (opened at line ${openLine})`);
    return this.tryRead(depth, closer);
  }

  private readString(): string {
    const text = this.text;
    const startLine = this.lineNo;
    let i = this.pos + 1;
    // Fast path: no escapes before the closing quote.
    const close = text.indexOf('"', i);
    if (close < 0) throw new HistoryInputError(this.file, startLine, "unterminated string");
    const backslash = text.indexOf("\\", i);
    if (backslash < 0 || backslash > close) {
      const s = text.slice(i, close);
      this.countNewlines(i, close);
      this.pos = close + 1;
      return s;
    }
    let out = "";
    let chunkStart = i;
    while (i < text.length) {
      const ch = text.charCodeAt(i);
      if (ch === 34) {
        out += text.slice(chunkStart, i);
        this.pos = i + 1;
        return out;
      }
      if (ch === 10) this.lineNo++;
      if (ch === 92) {
        out += text.slice(chunkStart, i);
        const e = text[i + 1];
        if (e === undefined) break;
        if (e === "u") {
          const hex = text.slice(i + 2, i + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) throw this.error("bad \\u escape in string");
          out += String.fromCharCode(Number.parseInt(hex, 16));
          i += 6;
        } else {
          const map: Record<string, string> = {
            t: "\t",
            r: "\r",
            n: "\n",
            "\\": "\\",
            '"': '"',
            b: "\b",
            f: "\f",
          };
          const r = map[e];
          if (r === undefined) throw this.error(`bad escape \\${e} in string`);
          out += r;
          i += 2;
        }
        chunkStart = i;
        continue;
      }
      i++;
    }
    throw new HistoryInputError(this.file, startLine, "unterminated string");
  }

  private readChar(): EdnChar {
    const text = this.text;
    const start = this.pos + 1;
    if (start >= text.length) throw this.error("unexpected end of input after '\\'");
    let end = start + 1;
    while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
    const tok = text.slice(start, end);
    this.pos = end;
    if (tok.length === 1) {
      if (tok === "\n") this.lineNo++;
      return new EdnChar(tok);
    }
    const named = NAMED_CHARS[tok];
    if (named !== undefined) return new EdnChar(named);
    if (/^u[0-9a-fA-F]{4}$/.test(tok))
      return new EdnChar(String.fromCharCode(Number.parseInt(tok.slice(1), 16)));
    throw this.error(`bad character literal \\${tok.slice(0, 20)}`);
  }

  private readKeyword(): EdnKeyword {
    const tok = this.readToken();
    const name = tok.slice(1);
    const known = this.keywords.get(name);
    if (known !== undefined) return known;
    if (name === "" || name.startsWith(":") || !SYMBOL_RE.test(name) || name.endsWith("/")) {
      throw this.error(`bad keyword ${tok.slice(0, 40)}`);
    }
    return this.keyword(name);
  }

  /** One EdnKeyword object per name and reader: fewer allocations, and identity means equality. */
  private keyword(name: string): EdnKeyword {
    let k = this.keywords.get(name);
    if (k === undefined) {
      k = new EdnKeyword(name);
      this.keywords.set(name, k);
    }
    return k;
  }

  private readDispatch(depth: number): EdnValue {
    const text = this.text;
    const next = text[this.pos + 1];
    if (next === "{") {
      this.pos++;
      return this.readList("set", "}", depth);
    }
    if (next === "#") {
      const tok = this.readToken();
      if (tok === "##Inf") return Number.POSITIVE_INFINITY;
      if (tok === "##-Inf") return Number.NEGATIVE_INFINITY;
      if (tok === "##NaN") return Number.NaN;
      throw this.error(`unknown symbolic value ${tok.slice(0, 20)}`);
    }
    if (next !== undefined && /[A-Za-z]/.test(next)) {
      this.pos++;
      const tag = this.readToken();
      if (!SYMBOL_RE.test(tag)) throw this.error(`bad tag #${tag.slice(0, 20)}`);
      const value = this.readRequired(depth + 1, undefined);
      return new EdnTagged(tag, value);
    }
    throw this.error(`unsupported dispatch '#${next ?? ""}'`);
  }

  private readAtom(): EdnValue {
    const tok = this.readToken();
    if (tok === "") throw this.error(`unexpected character ${JSON.stringify(this.text[this.pos])}`);
    if (tok === "nil") return null;
    if (tok === "true") return true;
    if (tok === "false") return false;
    const c0 = tok.charCodeAt(0);
    const c1 = tok.charCodeAt(1);
    const numeric = (c0 >= 48 && c0 <= 57) || ((c0 === 43 || c0 === 45) && c1 >= 48 && c1 <= 57);
    if (numeric) return this.parseNumber(tok);
    if (!SYMBOL_RE.test(tok)) throw this.error(`bad symbol ${JSON.stringify(tok.slice(0, 40))}`);
    return new EdnSymbol(tok);
  }

  private parseNumber(tok: string): number | bigint {
    if (INT_RE.test(tok)) {
      const digits = tok.endsWith("N") ? tok.slice(0, -1) : tok;
      const n = Number(digits);
      if (Number.isSafeInteger(n)) return n;
      return BigInt(digits.startsWith("+") ? digits.slice(1) : digits);
    }
    if (FLOAT_RE.test(tok)) return Number(tok.endsWith("M") ? tok.slice(0, -1) : tok);
    if (RATIO_RE.test(tok)) {
      const [a, b] = tok.split("/");
      const d = Number(b);
      if (d === 0) throw this.error(`division by zero in ${tok}`);
      return Number(a) / d;
    }
    throw this.error(`bad number ${JSON.stringify(tok.slice(0, 40))}`);
  }

  /** Reads up to the next delimiter (the first character is always taken). */
  private readToken(): string {
    const text = this.text;
    const start = this.pos;
    let end = start + 1;
    while (end < text.length && !isDelimiter(text.charCodeAt(end))) end++;
    this.pos = end;
    return text.slice(start, end);
  }

  private skipSpace(): void {
    const text = this.text;
    let i = this.pos;
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        this.lineNo++;
        i++;
      } else if (c === 32 || c === 44 || c === 9 || c === 13 || c === 12) {
        i++;
      } else if (c === 59) {
        const nl = text.indexOf("\n", i);
        i = nl < 0 ? text.length : nl;
      } else {
        break;
      }
    }
    this.pos = i;
  }

  private countNewlines(from: number, to: number): void {
    const text = this.text;
    let i = text.indexOf("\n", from);
    while (i >= 0 && i < to) {
      this.lineNo++;
      i = text.indexOf("\n", i + 1);
    }
  }

  private error(reason: string): HistoryInputError {
    return new HistoryInputError(this.file, this.lineNo, reason);
  }
}

const CLOSE: unique symbol = Symbol("close");

/** Every top-level form of `text`. */
export function readEdnForms(text: string, file: string): EdnForm[] {
  const reader = new EdnReader(text, file);
  const out: EdnForm[] = [];
  for (let f = reader.next(); f !== undefined; f = reader.next()) out.push(f);
  return out;
}
