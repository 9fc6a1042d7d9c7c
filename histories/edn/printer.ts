// Prints plain-JS values as EDN text that the Clojure reader (and ours) reads back to the same plain value.
// Strings stay strings unless the caller wraps them in EdnKeyword. Pure: no I/O.

import { EdnKeyword, EdnSymbol } from "./values.js";

/** Names that print as a keyword (`:name`) in every EDN reader. */
const KEYWORD_NAME_RE = /^[A-Za-z*!_?<>=][\w*+!_?<>=.-]*$/;

export function isKeywordName(s: string): boolean {
  return KEYWORD_NAME_RE.test(s);
}

/** A keyword when `s` can be one, else the string itself. */
export function keywordOrString(s: string): EdnKeyword | string {
  return isKeywordName(s) ? new EdnKeyword(s) : s;
}

function printNumber(n: number): string {
  if (Number.isNaN(n)) return "##NaN";
  if (n === Number.POSITIVE_INFINITY) return "##Inf";
  if (n === Number.NEGATIVE_INFINITY) return "##-Inf";
  if (Object.is(n, -0)) return "-0.0";
  // Integers beyond 2^53 print in exponent form so that readers take them as doubles, as they were.
  if (Number.isInteger(n) && !Number.isSafeInteger(n)) return n.toExponential();
  return String(n);
}

/** EDN text for `v`: null/undefined -> nil, arrays -> vectors, objects -> maps with keyword keys. */
export function printEdn(v: unknown): string {
  if (v === null || v === undefined) return "nil";
  if (typeof v === "boolean") return String(v);
  if (typeof v === "number") return printNumber(v);
  if (typeof v === "bigint") return `${v}N`;
  if (typeof v === "string") return JSON.stringify(v);
  if (v instanceof EdnKeyword) return `:${v.name}`;
  if (v instanceof EdnSymbol) return v.name;
  if (Array.isArray(v)) return `[${v.map(printEdn).join(" ")}]`;
  if (typeof v === "object") {
    const parts: string[] = [];
    for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
      if (val === undefined) continue;
      parts.push(`${isKeywordName(k) ? `:${k}` : JSON.stringify(k)} ${printEdn(val)}`);
    }
    return `{${parts.join(", ")}}`;
  }
  return JSON.stringify(String(v));
}
