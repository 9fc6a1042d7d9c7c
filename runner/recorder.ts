// The recorder: stamps each invocation and completion with the runner's clock at the moment the runner
// sees it, and appends it to the history as it goes (histories/jsonl-writer.ts). An invocation is in the
// file before invoke() returns, so before its request can leave for a worker: a SIGKILLed runner never
// loses an op that may have taken effect. Completions are queued and written with the next invocation or
// at the end of the event-loop turn (one write for the lot); one lost in a crash reads as `info`.
// It also keeps the counts and acquire latencies of the summary.
// It must never reorder or invent ops, hold a completion past the current turn, and never take a time from
// anywhere but the RunClock.

import { JsonlWriter } from "../histories/jsonl-writer.js";
import type { OpType, ProcessId } from "../histories/op.js";
import type { RunClock } from "./clock.js";

export interface Invocation {
  process: ProcessId;
  f: string;
  key?: string;
  time: number;
}

export class Recorder {
  private flushScheduled = false;
  /** Count of completions by "f type" (e.g. "acquire ok"). */
  readonly counts = new Map<string, number>();
  /** Latencies (ns) of acquires that completed ok. */
  readonly acquireOkLatencies: number[] = [];
  /** Latencies (ns) of every acquire that completed ok or fail. */
  readonly acquireLatencies: number[] = [];

  constructor(
    private readonly writer: JsonlWriter,
    readonly clock: RunClock,
  ) {}

  static open(path: string, clock: RunClock): Recorder {
    return new Recorder(JsonlWriter.open(path), clock);
  }

  get path(): string {
    return this.writer.path;
  }

  get opCount(): number {
    return this.writer.count;
  }

  invoke(process: ProcessId, f: string, key: string | undefined, value: unknown): Invocation {
    const time = this.clock.now();
    this.writer.append({ time, process, type: "invoke", f, ...(key === undefined ? {} : { key }), value });
    return { process, f, key, time };
  }

  complete(inv: Invocation, type: Exclude<OpType, "invoke">, value: unknown, error?: unknown): number {
    const time = this.clock.now();
    this.writer.appendLater({
      time,
      process: inv.process,
      type,
      f: inv.f,
      ...(inv.key === undefined ? {} : { key: inv.key }),
      value,
      ...(error === undefined ? {} : { error }),
    });
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(this.flushQueued);
    }
    const name = `${inv.f} ${type}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (inv.f === "acquire" && type !== "info") {
      this.acquireLatencies.push(time - inv.time);
      if (type === "ok") this.acquireOkLatencies.push(time - inv.time);
    }
    return time;
  }

  private readonly flushQueued = (): void => {
    this.flushScheduled = false;
    this.writer.flush();
  };

  close(): void {
    this.writer.close();
  }
}
