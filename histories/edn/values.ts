// The EDN values the reader produces, each collection with the line it starts on, and their plain-JS form
// (keywords and symbols become their names, nil becomes null, vectors, lists and sets become arrays).
// Data and pure conversion only: this module must never do I/O.

export class EdnKeyword {
  constructor(readonly name: string) {}
}

export class EdnSymbol {
  constructor(readonly name: string) {}
}

export class EdnChar {
  constructor(readonly char: string) {}
}

export class EdnTagged {
  constructor(
    readonly tag: string,
    readonly value: EdnValue,
  ) {}
}

export class EdnList {
  constructor(
    readonly kind: "list" | "vector" | "set",
    readonly items: EdnValue[],
    readonly line: number,
    /** The line each item starts on. */
    readonly itemLines: number[],
  ) {}
}

export interface EdnMapEntry {
  key: EdnValue;
  value: EdnValue;
  /** Line of the entry's key. */
  line: number;
}

export class EdnMap {
  constructor(
    readonly entries: EdnMapEntry[],
    readonly line: number,
  ) {}

  /** The entry whose key is the keyword `:name`, if any. */
  get(name: string): EdnMapEntry | undefined {
    for (const e of this.entries) {
      if (e.key instanceof EdnKeyword && e.key.name === name) return e;
    }
    return undefined;
  }
}

/** Integers too large for a double are kept exact. */
export type EdnValue =
  | null
  | boolean
  | number
  | bigint
  | string
  | EdnKeyword
  | EdnSymbol
  | EdnChar
  | EdnTagged
  | EdnList
  | EdnMap;

/** The plain-JS form of a value: what an Op carries. */
export function ednToJs(v: EdnValue): unknown {
  if (v === null || typeof v === "boolean" || typeof v === "number" || typeof v === "string") return v;
  if (typeof v === "bigint") {
    const n = Number(v);
    return Number.isSafeInteger(n) ? n : v.toString();
  }
  if (v instanceof EdnKeyword || v instanceof EdnSymbol) return v.name;
  if (v instanceof EdnChar) return v.char;
  if (v instanceof EdnTagged) return ednToJs(v.value);
  if (v instanceof EdnList) return v.items.map(ednToJs);
  const out: Record<string, unknown> = {};
  for (const e of v.entries) {
    const k = mapKeyString(e.key);
    // An own property even for "__proto__", as JSON.parse makes it (assignment would set the prototype).
    if (k === "__proto__")
      Object.defineProperty(out, k, {
        value: ednToJs(e.value),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[k] = ednToJs(e.value);
  }
  return out;
}

/** A map key as an object property name: names for keywords, symbols and strings, EDN text otherwise. */
export function mapKeyString(k: EdnValue): string {
  if (typeof k === "string") return k;
  if (k instanceof EdnKeyword || k instanceof EdnSymbol) return k.name;
  if (k instanceof EdnChar) return k.char;
  if (k === null) return "nil";
  if (typeof k === "number" || typeof k === "bigint" || typeof k === "boolean") return String(k);
  return JSON.stringify(ednToJs(k));
}

/** A short description of a value's kind, for error messages. */
export function describeEdn(v: EdnValue): string {
  if (v === null) return "nil";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number" || typeof v === "bigint") return `the number ${String(v)}`;
  if (typeof v === "string")
    return `the string ${JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v)}`;
  if (v instanceof EdnKeyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return `the symbol ${v.name}`;
  if (v instanceof EdnChar) return "a character";
  if (v instanceof EdnTagged) return `a #${v.tag} value`;
  if (v instanceof EdnList) return `a ${v.kind}`;
  return "a map";
}
