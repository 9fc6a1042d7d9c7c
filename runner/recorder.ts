// The recorder: stamps each invocation and completion with the runner's clock at the moment the runner
// sees it, and appends it to the history as it goes (histories/jsonl-writer.ts: one write per op, so a
// crash leaves a valid prefix). It also keeps the counts and acquire latencies of the summary.
// It must never reorder, batch or invent ops, and never take a time from anywhere but the RunClock.

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
    this.writer.append({
      time,
      process: inv.process,
      type,
      f: inv.f,
      ...(inv.key === undefined ? {} : { key: inv.key }),
      value,
      ...(error === undefined ? {} : { error }),
    });
    const name = `${inv.f} ${type}`;
    this.counts.set(name, (this.counts.get(name) ?? 0) + 1);
    if (inv.f === "acquire" && type !== "info") {
      this.acquireLatencies.push(time - inv.time);
      if (type === "ok") this.acquireOkLatencies.push(time - inv.time);
    }
    return time;
  }

  close(): void {
    this.writer.close();
  }
}
