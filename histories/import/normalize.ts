// Turns the ops an importer decoded (in file order, with their lines) into a history that obeys every rule
// of DESIGN.md section 2: indexes from the file order, times synthesized or clamped (with a warning that
// says so), old-style nemesis :info/:info pairs read as invoke/info, then the same checks as the JSONL reader.
// It must never reorder ops: the file order is the real-time order.

import { type History, HistoryInputError, type Op, type OpType, type ProcessId } from "../op.js";
import { HistoryValidator } from "../validate.js";

/** One op as decoded from a foreign format, before normalization. */
export interface RawOp {
  /** 1-based line where the op starts in its file. */
  line: number;
  process: ProcessId;
  type: OpType;
  f: string;
  key?: string;
  value?: unknown;
  error?: unknown;
  /** ns, when the file has it. */
  time?: number;
  /** The file's own index, when it has one. */
  index?: number;
}

export interface ImportResult {
  history: History;
  warnings: string[];
  /**
   * No op in the file had a time, so times were made up from the file order, 1 µs apart. Order-only
   * models lose nothing; a model that reads times (lease-lock) should say so (the caller knows the model).
   */
  timesSynthesized?: boolean;
}

/** Synthesized times are this many ns apart (1 µs). */
export const SYNTHETIC_TIME_STEP = 1000;

export function normalizeOps(raw: readonly RawOp[], file: string): ImportResult {
  const warnings: string[] = [];
  pairNemesisInfos(raw, file);

  const timed = raw.filter((r) => r.time !== undefined).length;
  const synthesize = timed === 0 && raw.length > 0;
  if (timed > 0 && timed < raw.length) {
    const first = raw.find((r) => r.time === undefined)!;
    throw new HistoryInputError(file, first.line, "op has no :time while other ops in the file have one");
  }

  let clamped = 0;
  let renumbered = false;
  let lastTime = 0;
  const validator = new HistoryValidator(file);
  const history: Op[] = new Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const r = raw[i];
    let time = synthesize ? i * SYNTHETIC_TIME_STEP : (r.time as number);
    if (time < lastTime) {
      time = lastTime;
      clamped++;
    }
    lastTime = time;
    if (r.index !== undefined && r.index !== i) renumbered = true;
    const op: Op = { index: i, time, process: r.process, type: r.type, f: r.f };
    if (r.key !== undefined) op.key = r.key;
    if (r.value !== undefined) op.value = r.value;
    if (r.error !== undefined) op.error = r.error;
    validator.accept(op, r.line);
    history[i] = op;
  }
  if (clamped > 0) {
    warnings.push(
      `${file}: time goes backwards at ${clamped} op(s) (the recording threads stamped their own clocks): kept the file order, which is the real-time order, and set each such time to the previous op's`,
    );
  }
  if (renumbered) {
    warnings.push(
      `${file}: the file's :index values are not 0, 1, 2, ... in file order: ops re-numbered by position`,
    );
  }
  return synthesize ? { history, warnings, timesSynthesized: true } : { history, warnings };
}

/**
 * Old Jepsen nemeses log both their invocation and their completion as :info. A nemesis :info with no
 * nemesis op open is therefore an invocation; with one open and the same f, its completion.
 */
function pairNemesisInfos(raw: readonly RawOp[], file: string): void {
  let open: string | undefined;
  for (const r of raw) {
    if (r.process !== "nemesis") continue;
    if (r.type === "invoke") {
      open = r.f;
    } else if (r.type === "info" && open === undefined) {
      r.type = "invoke";
      open = r.f;
    } else if (r.type === "info" && open !== r.f) {
      throw new HistoryInputError(
        file,
        r.line,
        `nemesis :info of ${r.f} while the nemesis's ${open} is open (cannot tell invocation from completion)`,
      );
    } else {
      open = undefined;
    }
  }
}
