// Crash-safe, append-only writer of JSONL histories: every op is one fs.writeSync of one whole line to a file
// descriptor opened for append, so a SIGKILL of the writer loses nothing already appended; close() fsyncs.
// It numbers ops densely and refuses any op the reader would reject (time going backwards, bad pairing),
// so what it writes always reads back. It must never buffer ops in memory or rewrite what it wrote.

import { closeSync, fstatSync, fsyncSync, openSync, writeSync } from "node:fs";
import type { Op } from "./op.js";
import { HistoryValidator, opFromJson } from "./validate.js";

/** An op as the recorder hands it over: the writer assigns the index. */
export type UnindexedOp = Omit<Op, "index">;

/** The writer was asked to write something the reader would reject; nothing was written. */
export class HistoryWriteError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "HistoryWriteError";
  }
}

export class JsonlWriter {
  private fd: number | undefined;
  private readonly validator: HistoryValidator;
  private nextIndex = 0;
  private lastTime = 0;

  private constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    this.validator = new HistoryValidator(path);
  }

  /** Creates `path` (or opens it when it exists and is empty) for appending. Refuses a non-empty file. */
  static open(path: string): JsonlWriter {
    const fd = openSync(path, "a", 0o644);
    if (fstatSync(fd).size !== 0) {
      closeSync(fd);
      throw new HistoryWriteError(`${path}: refusing to append to a history that is not empty`);
    }
    return new JsonlWriter(path, fd);
  }

  /** How many ops were written. */
  get count(): number {
    return this.nextIndex;
  }

  /** The time of the last op written (0 before the first). */
  get lastWrittenTime(): number {
    return this.lastTime;
  }

  /**
   * Appends `op` with the next index and returns the op as written. Throws HistoryWriteError (writing
   * nothing) when its time goes backwards, it breaks the pairing rules, or a field is ill-typed.
   */
  append(op: UnindexedOp): Op {
    if (this.fd === undefined) throw new HistoryWriteError(`${this.path}: the writer is closed`);
    const line = this.nextIndex + 1;
    if (typeof op.time === "number" && op.time < this.lastTime) {
      throw new HistoryWriteError(
        `${this.path}: op ${JSON.stringify(op.f)} of process ${String(op.process)} has time ${op.time}, before the previous op's ${this.lastTime}`,
      );
    }
    const { index: _callerIndex, ...fields } = op as Op;
    const full: Op = { index: this.nextIndex, ...fields };
    let text: string;
    try {
      text = JSON.stringify(full);
    } catch (err) {
      throw new HistoryWriteError(`${this.path}: op cannot be written as JSON: ${(err as Error).message}`);
    }
    let checked: Op;
    try {
      // What is written must read back the same: check the JSON form, as the reader will.
      checked = opFromJson(JSON.parse(text), this.path, line);
      this.validator.accept(checked, line);
    } catch (err) {
      throw new HistoryWriteError((err as Error).message);
    }
    const bytes = Buffer.from(`${text}\n`, "utf8");
    let written = 0;
    while (written < bytes.length) written += writeSync(this.fd, bytes, written, bytes.length - written);
    this.nextIndex++;
    this.lastTime = checked.time;
    return checked;
  }

  /** Flushes to disk and closes; safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    this.fd = undefined;
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
