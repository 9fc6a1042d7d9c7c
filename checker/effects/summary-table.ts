// Renders the composed lock-check verdicts as the plain-text table `locksmith check` prints: one row per
// check (verdict, counts, first proof), then the first violation of each failing check in full.
// Pure formatting: it must never compute a verdict or print by itself.

import type { Verdict } from "../result.js";
import type { EffectViolation } from "./types.js";

export interface SummaryRow {
  check: string;
  valid: Verdict | "skipped";
  reason?: string;
  counts: Record<string, number>;
  violations: EffectViolation[];
}

function verdictText(v: Verdict | "skipped"): string {
  return v === true ? "valid" : v === false ? "INVALID" : v;
}

function countsText(row: SummaryRow): string {
  if (row.valid === "skipped") return `(${row.reason ?? "no data"})`;
  const parts = Object.entries(row.counts).map(([k, v]) => `${k}=${v}`);
  return parts.join(" ");
}

function firstProofText(row: SummaryRow): string {
  const v = row.violations[0];
  if (!v) return row.valid === "unknown" && row.reason ? row.reason : "-";
  return `${v.kind} ops ${v.ops.join(",")}${row.violations.length > 1 ? ` (+${row.violations.length - 1} more)` : ""}`;
}

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + " ".repeat(n - s.length);
}

/** The table: header, one row per check, the overall verdict, then the first proof of each failing check. */
export function renderSummaryTable(valid: Verdict, rows: SummaryRow[]): string {
  const cells = rows.map((r) => [r.check, verdictText(r.valid), countsText(r), firstProofText(r)]);
  const header = ["check", "verdict", "counts", "first proof"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i].length)));
  const line = (c: string[]) =>
    c
      .map((x, i) => (i === c.length - 1 ? x : pad(x, widths[i])))
      .join("  ")
      .trimEnd();
  const out = [line(header), ...cells.map(line), "", `verdict: ${verdictText(valid)}`];
  const failing = rows.filter((r) => r.violations.length > 0);
  if (failing.length > 0) {
    out.push("");
    for (const r of failing) {
      const v = r.violations[0];
      out.push(`${r.check} (${v.key === "" ? "no key" : `key ${v.key}`}): ${v.explanation}`);
    }
  }
  return `${out.join("\n")}\n`;
}
