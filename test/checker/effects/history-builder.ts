// Test helper: writes small lock histories by hand, in ms, as invoke/completion pairs, and gives back the
// history indexes of each op so tests can assert the exact proof ops. Test code only; never used by src.

import type { History, Op, OpType } from "../../../histories/op.js";

export interface Call {
  /** History index of the invocation (filled by build()). */
  id: number;
  /** History index of the completion (filled by build(); -1 when left open). */
  done: number;
}

interface Pending {
  call: Call;
  invoke: Omit<Op, "index">;
  complete?: Omit<Op, "index">;
}

export interface CallSpec {
  process: number;
  f: string;
  key?: string;
  /** invoke and completion times, ms; end undefined leaves the op open. */
  at: [number, number?];
  input?: unknown;
  output?: unknown;
  type?: Exclude<OpType, "invoke">;
  error?: unknown;
}

const NS = 1e6;

export class HistoryBuilder {
  private readonly pending: Pending[] = [];

  call(spec: CallSpec): Call {
    const call: Call = { id: -1, done: -1 };
    const key = spec.key ?? "k";
    const invoke: Omit<Op, "index"> = {
      time: Math.round(spec.at[0] * NS),
      process: spec.process,
      type: "invoke",
      f: spec.f,
      key,
    };
    if (spec.input !== undefined) invoke.value = spec.input;
    const p: Pending = { call, invoke };
    if (spec.at[1] !== undefined) {
      const complete: Omit<Op, "index"> = {
        time: Math.round(spec.at[1] * NS),
        process: spec.process,
        type: spec.type ?? "ok",
        f: spec.f,
        key,
      };
      const out = spec.output ?? spec.input;
      if (out !== undefined) complete.value = out;
      if (spec.error !== undefined) complete.error = spec.error;
      p.complete = complete;
    }
    this.pending.push(p);
    return call;
  }

  acquire(
    process: number,
    owner: string,
    at: [number, number],
    ttlMs = 1000,
    extra: object = {},
    key = "k",
  ): Call {
    return this.call({
      process,
      f: "acquire",
      key,
      at,
      input: { owner, ttlMs },
      output: { owner, ttlMs, ...extra },
    });
  }

  renew(
    process: number,
    owner: string,
    at: [number, number],
    ttlMs = 1000,
    type: "ok" | "fail" = "ok",
  ): Call {
    return this.call({ process, f: "renew", at, input: { owner, ttlMs }, type });
  }

  release(process: number, owner: string, at: [number, number]): Call {
    return this.call({ process, f: "release", at, input: { owner } });
  }

  read(
    process: number,
    owner: string,
    at: [number, number],
    result: unknown,
    resource = "set",
    token?: string,
  ): Call {
    const input = { resource, owner, ...(token !== undefined ? { token } : {}) };
    return this.call({ process, f: "res-read", at, input, output: { ...input, result } });
  }

  write(
    process: number,
    owner: string,
    at: [number, number],
    write: unknown,
    opts: {
      resource?: string;
      added?: number;
      token?: string;
      type?: "ok" | "fail" | "info";
      error?: string;
    } = {},
  ): Call {
    const input = {
      resource: opts.resource ?? "set",
      owner,
      write,
      ...(opts.added !== undefined ? { added: opts.added } : {}),
      ...(opts.token !== undefined ? { token: opts.token } : {}),
    };
    return this.call({ process, f: "res-write", at, input, type: opts.type, error: opts.error });
  }

  finalRead(at: [number, number], result: unknown, resource = "set", key = "k"): Call {
    const input = { resource, owner: "runner", final: true };
    return this.call({ process: 999, f: "res-read", key, at, input, output: { ...input, result } });
  }

  /** The history in time order (ties: the order the events were written), with dense indexes. */
  build(): History {
    const events: { op: Omit<Op, "index">; seq: number; set: (i: number) => void }[] = [];
    let seq = 0;
    for (const p of this.pending) {
      events.push({ op: p.invoke, seq: seq++, set: (i) => (p.call.id = i) });
      if (p.complete) events.push({ op: p.complete, seq: seq++, set: (i) => (p.call.done = i) });
    }
    // a completion at the same time as its own invocation must follow it; the sort is stable on seq
    events.sort((a, b) => a.op.time - b.op.time || a.seq - b.seq);
    return events.map((e, index) => {
      e.set(index);
      return { index, ...e.op } as Op;
    });
  }
}
