// One logical client of a run, as the history sees it: a process id, a worker process, and the rule of
// Jepsen's clients: an op whose outcome is unknown (`info`, a missed deadline or a dead worker) retires the
// process id, and the client carries on under a fresh one (with a fresh worker when the old one failed).
// Invocations and completions are stamped by the recorder when the runner sends and receives them.
// Resource accesses pass through the worker and are applied by the runner when they come back.
// It must never record an op it did not send, nor leave an invocation without a completion.

import type { ProcessId } from "../histories/op.js";
import type { HolderBook } from "./holders.js";
import type { Recorder } from "./recorder.js";
import type { AccessOutcome, ProtectedResource, ResourceKind, ResourceValue } from "./resource.js";
import type { WorkerProcess } from "./worker-process.js";
import type { LockF } from "./worker-protocol.js";

export interface ClientContext {
  recorder: Recorder;
  resource: ProtectedResource;
  /** A fresh process id (never used before in this run). */
  freshProcess(): number;
  /** Start a fresh worker for client `index` (after the old one died or missed a deadline). */
  startWorker(index: number, generation: number): Promise<WorkerProcess>;
  /** Added to each call's own timeout before the runner gives up on the worker. */
  graceMs: number;
  /** Called synchronously just before a res-write is sent to the worker (the nemesis may pause it here). */
  beforeWrite?: (clientIndex: number, workerPid: number) => void;
  /** Told of every lock call's invocation and outcome (who holds what, for the nemesis's `holder`). */
  holders?: HolderBook;
}

export interface Completion {
  type: "ok" | "fail" | "info";
  value?: Record<string, unknown>;
  error?: string;
  invokeTime: number;
  completeTime: number;
}

export class RunnerClient {
  private generation = 0;
  private replacing?: Promise<void>;
  /** Workers that failed and were replaced. */
  restarts = 0;

  constructor(
    readonly index: number,
    public process: number,
    private worker: WorkerProcess,
    private readonly ctx: ClientContext,
  ) {}

  get ownerReads(): boolean {
    return this.worker.ownerReads;
  }

  get workerPid(): number {
    return this.worker.pid;
  }

  /** Call the lock: acquire/renew/release/owner, recorded as invoke + completion. */
  async lock(
    f: LockF,
    key: string,
    value: Record<string, unknown>,
    req: { owner?: string; ttlMs?: number; timeoutMs: number },
  ): Promise<Completion> {
    await this.replacing;
    const inv = this.ctx.recorder.invoke(this.process, f, key, value);
    this.ctx.holders?.note(this.index, f, key, "invoke");
    const res = await this.worker.request(
      { type: "lock", f, req: { key, ...req } },
      req.timeoutMs + this.ctx.graceMs,
    );
    this.ctx.holders?.note(this.index, f, key, res.type === "done" ? res.outcome : "info");
    if (res.type === "done") {
      if (res.outcome === "ok") {
        const out = { ...value, ...((res.value as Record<string, unknown> | undefined) ?? {}) };
        const t = this.ctx.recorder.complete(inv, "ok", out);
        return { type: "ok", value: out, invokeTime: inv.time, completeTime: t };
      }
      const t = this.ctx.recorder.complete(inv, res.outcome, value, res.error);
      if (res.outcome === "info") this.retireProcess();
      return { type: res.outcome, value, error: res.error, invokeTime: inv.time, completeTime: t };
    }
    return this.lost(inv, value, res.type === "timeout" ? "timeout" : "worker-exited");
  }

  /** A resource read or write, through the worker, applied by the runner when the worker passes it on. */
  async access(
    f: "res-read" | "res-write",
    key: string,
    resource: ResourceKind,
    owner: string,
    token: string | undefined,
    write?: { value: ResourceValue; added?: number },
  ): Promise<Completion> {
    await this.replacing;
    const value: Record<string, unknown> = { resource, owner, ...(token === undefined ? {} : { token }) };
    if (write) {
      value.write = write.value;
      if (write.added !== undefined) value.added = write.added;
    }
    const inv = this.ctx.recorder.invoke(this.process, f, key, value);
    if (write) this.ctx.beforeWrite?.(this.index, this.worker.pid);
    const res = await this.worker.request({ type: "access" }, this.ctx.graceMs);
    if (res.type !== "access-go")
      return this.lost(inv, value, res.type === "timeout" ? "timeout" : "worker-exited");
    const access = { key, resource, token };
    const outcome: AccessOutcome =
      f === "res-read"
        ? this.ctx.resource.read(access)
        : this.ctx.resource.write(access, write?.value ?? null);
    if (outcome.type === "ok") {
      const out = f === "res-read" ? { ...value, result: outcome.result } : value;
      const t = this.ctx.recorder.complete(inv, "ok", out);
      return { type: "ok", value: out, invokeTime: inv.time, completeTime: t };
    }
    const out = { ...value, highestToken: outcome.highestToken };
    const t = this.ctx.recorder.complete(inv, "fail", out, outcome.error);
    return { type: "fail", value: out, error: outcome.error, invokeTime: inv.time, completeTime: t };
  }

  /** Close the worker (end of run). */
  async close(): Promise<void> {
    await this.replacing;
    await this.worker.close();
  }

  /** The worker missed its deadline or died: info, a fresh process id, and a fresh worker. */
  private async lost(
    inv: { process: ProcessId; f: string; key?: string; time: number },
    value: Record<string, unknown>,
    error: string,
  ): Promise<Completion> {
    const t = this.ctx.recorder.complete(inv, "info", value, error);
    this.retireProcess();
    this.restarts++;
    const old = this.worker;
    this.replacing = (async () => {
      await old.kill();
      this.worker = await this.ctx.startWorker(this.index, ++this.generation);
    })();
    await this.replacing;
    return { type: "info", value, error, invokeTime: inv.time, completeTime: t };
  }

  private retireProcess(): void {
    this.process = this.ctx.freshProcess();
  }
}
