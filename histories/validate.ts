// The rules every history obeys (DESIGN.md section 2), checked one op at a time so that readers can stream:
// field types, dense indexes, time never going backwards, and invoke/completion pairing per process.
// It only judges: it must never repair an op, guess a missing field, or do I/O.

import { HistoryInputError, type Op, type ProcessId } from "./op.js";

const KNOWN_TYPES = new Set<string>(["invoke", "ok", "fail", "info"]);

function describe(v: unknown): string {
  if (v === null) return "null";
  if (Array.isArray(v)) return "an array";
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === "object") return "an object";
  return String(v);
}

/** Type-checks one decoded JSON value as an op (DESIGN.md section 2) and returns it (other fields stay). */
export function opFromJson(raw: unknown, file: string, line: number): Op {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) {
    throw new HistoryInputError(file, line, `an op must be a JSON object, found ${describe(raw)}`);
  }
  const o = raw as Record<string, unknown>;
  const { index, time, process, type, f } = o;
  if (index === undefined) throw new HistoryInputError(file, line, "missing field index");
  if (typeof index !== "number" || !Number.isSafeInteger(index) || index < 0) {
    throw new HistoryInputError(file, line, `index must be a non-negative integer, found ${describe(index)}`);
  }
  if (time === undefined) throw new HistoryInputError(file, line, "missing field time");
  if (typeof time !== "number" || !Number.isSafeInteger(time) || time < 0) {
    throw new HistoryInputError(
      file,
      line,
      `time must be a non-negative integer (ns), found ${describe(time)}`,
    );
  }
  if (process === undefined) throw new HistoryInputError(file, line, "missing field process");
  if (
    process !== "nemesis" &&
    (typeof process !== "number" || !Number.isSafeInteger(process) || process < 0)
  ) {
    throw new HistoryInputError(
      file,
      line,
      `process must be a non-negative integer or "nemesis", found ${describe(process)}`,
    );
  }
  if (type === undefined) throw new HistoryInputError(file, line, "missing field type");
  if (typeof type !== "string")
    throw new HistoryInputError(file, line, `type must be a string, found ${describe(type)}`);
  if (!KNOWN_TYPES.has(type)) {
    throw new HistoryInputError(
      file,
      line,
      `unknown type ${describe(type)} (expected invoke, ok, fail or info)`,
    );
  }
  if (f === undefined) throw new HistoryInputError(file, line, "missing field f");
  if (typeof f !== "string" || f === "") {
    throw new HistoryInputError(file, line, `f must be a non-empty string, found ${describe(f)}`);
  }
  if (o.key !== undefined && typeof o.key !== "string") {
    throw new HistoryInputError(file, line, `key must be a string, found ${describe(o.key)}`);
  }
  // The decoded object itself is the op (no copy: a million-op history is read without doubling garbage).
  const op = o as unknown as Op;
  return op;
}

interface OpenOp {
  f: string;
  line: number;
  op: Op;
}

/**
 * Checks the order rules of a history, op by op: dense indexes, time never going backwards, one open op per
 * process, completions only for an open invocation with the same f.
 */
export class HistoryValidator {
  private readonly open = new Map<ProcessId, OpenOp>();
  private nextIndex = 0;
  private lastTime = 0;
  private lastTimeLine = 0;

  constructor(private readonly file: string) {}

  /** Accepts `op` (read at `line`) or throws HistoryInputError saying why not. */
  accept(op: Op, line: number): void {
    const file = this.file;
    if (op.index !== this.nextIndex) {
      throw new HistoryInputError(
        file,
        line,
        `index ${op.index} is not dense: expected ${this.nextIndex} (indexes count ops from 0)`,
      );
    }
    if (op.time < this.lastTime) {
      throw new HistoryInputError(
        file,
        line,
        `time goes backwards: ${op.time} is before ${this.lastTime} (line ${this.lastTimeLine})`,
      );
    }
    const who = op.process === "nemesis" ? "process nemesis" : `process ${op.process}`;
    const open = this.open.get(op.process);
    if (op.type === "invoke") {
      if (open !== undefined) {
        throw new HistoryInputError(
          file,
          line,
          `${who} invokes ${op.f} while its ${open.f} invoked at line ${open.line} is still open`,
        );
      }
      this.open.set(op.process, { f: op.f, line, op });
    } else {
      if (open === undefined) {
        throw new HistoryInputError(
          file,
          line,
          `${op.type} completion of ${op.f} for ${who} with no open invocation`,
        );
      }
      if (open.f !== op.f) {
        throw new HistoryInputError(
          file,
          line,
          `${op.type} completion has f ${op.f} but ${who}'s open invocation at line ${open.line} has f ${open.f}`,
        );
      }
      this.open.delete(op.process);
    }
    this.nextIndex++;
    this.lastTime = op.time;
    this.lastTimeLine = line;
  }

  /** The invocations still open, in the order they were invoked. */
  openInvocations(): Op[] {
    return [...this.open.values()].map((o) => o.op).sort((a, b) => a.index - b.index);
  }

  /** How many ops were accepted. */
  get count(): number {
    return this.nextIndex;
  }
}

/** Validates a whole history held in memory (line numbers are positions + 1). */
export function validateHistory(history: readonly Op[], file: string): void {
  const v = new HistoryValidator(file);
  for (let i = 0; i < history.length; i++) v.accept(history[i], i + 1);
}
