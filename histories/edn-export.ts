// Writes a history as Jepsen EDN that Jepsen and Knossos read back: a vector of op maps, one a line, with
// keywords where Jepsen has them (:type, :f, :process :nemesis, the f and key of txn micro-ops, keyword-like
// errors). Importing the text again gives the same ops. Pure: it must never do I/O.

import { isKeywordName, keywordOrString, printEdn } from "./edn/printer.js";
import { EdnKeyword } from "./edn/values.js";
import type { Op } from "./op.js";

/** txn values are [[f k v] ...]: Knossos's multi-register wants f and k as keywords. */
function txnValue(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((mop) => {
    if (!Array.isArray(mop) || mop.length !== 3 || typeof mop[0] !== "string") return mop;
    const [f, k, v] = mop;
    return [keywordOrString(f), typeof k === "string" ? keywordOrString(k) : k, v];
  });
}

/** Jepsen errors are keywords, or vectors that start with one: `:not-held`, `[:not-found "msg"]`. */
function errorValue(error: unknown): unknown {
  if (typeof error === "string") return keywordOrString(error);
  if (Array.isArray(error) && typeof error[0] === "string" && isKeywordName(error[0])) {
    return [new EdnKeyword(error[0]), ...error.slice(1)];
  }
  return error;
}

/** One op as an EDN map. */
export function opToEdn(op: Op): string {
  const parts = [
    `:index ${op.index}`,
    `:time ${op.time}`,
    `:process ${op.process === "nemesis" ? ":nemesis" : op.process}`,
    `:type :${op.type}`,
    `:f ${printEdn(keywordOrString(op.f))}`,
  ];
  if (op.key !== undefined) parts.push(`:key ${printEdn(op.key)}`);
  if (op.value !== undefined)
    parts.push(`:value ${printEdn(op.f === "txn" ? txnValue(op.value) : op.value)}`);
  if (op.error !== undefined) parts.push(`:error ${printEdn(errorValue(op.error))}`);
  return `{${parts.join(", ")}}`;
}

/** The whole history as one EDN vector, one op a line. */
export function historyToEdn(history: readonly Op[]): string {
  if (history.length === 0) return "[]\n";
  return `[${history.map(opToEdn).join("\n ")}]\n`;
}
