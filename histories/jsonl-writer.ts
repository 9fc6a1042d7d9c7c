// Crash-safe, append-only writer of JSONL histories: whole lines written with fs.writeSync to a file descriptor
// opened for append; close() fsyncs. `append` returns only once its op (and every op queued before it) is in
// the file, so a SIGKILL of the writer loses nothing appended. `appendLater` queues an op's line until the
// next `append`, `flush` or `close` (one write for the lot): meant for completions, whose loss in a crash
// reads as `info`, never for invocations. It numbers ops densely and refuses any op the reader would reject
// (time going backwards, bad pairing), so what it writes always reads back. It must never reorder ops, hold
// an op back past the next `append`, or rewrite what it wrote.

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
  /** Lines accepted by appendLater and not yet written, in order. */
  private queued = "";

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

  /** The time of the last op accepted (0 before the first). */
  get lastWrittenTime(): number {
    return this.lastTime;
  }

  /**
   * Appends `op` with the next index and returns the op as written, once it is in the file (after any queued
   * ops, in the same write). Throws HistoryWriteError (writing nothing new) when its time goes backwards, it
   * breaks the pairing rules, or a field is ill-typed.
   */
  append(op: UnindexedOp): Op {
    const { checked, text } = this.accept(op);
    const lines = this.queued === "" ? `${text}\n` : `${this.queued}${text}\n`;
    this.queued = "";
    this.writeAll(lines);
    return checked;
  }

  /**
   * Like `append`, but the line is only queued: it reaches the file with the next `append`, `flush` or
   * `close`. The op is checked and numbered now, so a refusal still throws here.
   */
  appendLater(op: UnindexedOp): Op {
    const { checked, text } = this.accept(op);
    this.queued += `${text}\n`;
    return checked;
  }

  /** Writes the queued lines, if any. */
  flush(): void {
    if (this.queued === "" || this.fd === undefined) return;
    const lines = this.queued;
    this.queued = "";
    this.writeAll(lines);
  }

  /** Numbers, checks and serialises `op`, and advances the writer's state; writes nothing. */
  private accept(op: UnindexedOp): { checked: Op; text: string } {
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
    this.nextIndex++;
    this.lastTime = checked.time;
    return { checked, text };
  }

  private writeAll(lines: string): void {
    const fd = this.fd as number;
    const bytes = Buffer.from(lines, "utf8");
    let written = 0;
    while (written < bytes.length) written += writeSync(fd, bytes, written, bytes.length - written);
  }

  /** Writes what is queued, flushes to disk and closes; safe to call twice. */
  close(): void {
    if (this.fd === undefined) return;
    const fd = this.fd;
    try {
      this.flush();
    } finally {
      this.fd = undefined;
    }
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}
