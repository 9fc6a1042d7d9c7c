// The runner's side of one client worker (runner/worker.ts): starts it as its own OS process on its host
// (nemesis/processes.ts spawnOnHost: in the host's namespace, written to the run's ledger first), sends it
// requests over IPC and waits for each answer with a deadline. A worker that exits or misses a deadline
// is killed by its pid; the caller then starts a fresh one. It must never wait without a deadline.

import { fileURLToPath } from "node:url";
import type { Endpoints } from "../backends/registry.js";
import type { Host } from "../nemesis/hosts.js";
import type { Ledger } from "../nemesis/ledger.js";
import { type HostProcess, spawnOnHost, tsxLoader } from "../nemesis/processes.js";
import type { FromWorker, ToWorker } from "./worker-protocol.js";

export interface WorkerOptions {
  host: Host;
  ledger: Ledger;
  name: string;
  lock: string;
  endpoints: Endpoints;
  /** Where a user's adapter module path is resolved from. */
  baseDir: string;
  logFile?: string;
  /** Extra environment (e.g. the clock shim's LD_PRELOAD). */
  env?: NodeJS.ProcessEnv;
  startTimeoutMs?: number;
}

type Answer = Extract<FromWorker, { type: "done" | "access-go" }>;
export type RequestResult = Answer | { type: "timeout" } | { type: "exited" };

/**
 * V8 flags of a worker. Each worker makes a tenth (or less) of the run's calls, so with V8's default tiering
 * budget its adapter and IPC code stayed interpreted for most of a short run: profiled under
 * `bench:locks`, 10 redis-single workers spent ~800 us of CPU per acquire+release cycle for the first ~10 s
 * and ~400 us once optimised. A quarter of the default budget (67584) reaches optimised code in a few
 * seconds; much lower budgets (2048) made workers recompile without end.
 */
export const WORKER_V8_FLAGS: readonly string[] = ["--interrupt-budget=16384"];

/** argv that runs the worker with this Node: the compiled .js, or the .ts source through tsx (tests). */
export function workerArgv(): string[] {
  const self = fileURLToPath(import.meta.url);
  if (self.endsWith(".ts")) {
    return [
      process.execPath,
      ...WORKER_V8_FLAGS,
      "--import",
      tsxLoader(),
      self.replace(/worker-process\.ts$/, "worker.ts"),
    ];
  }
  return [process.execPath, ...WORKER_V8_FLAGS, self.replace(/worker-process\.js$/, "worker.js")];
}

export class WorkerProcess {
  private readonly pending = new Map<number, (r: RequestResult) => void>();
  private nextId = 0;
  private exited = false;

  private constructor(
    readonly proc: HostProcess,
    readonly ownerReads: boolean,
  ) {
    proc.child.on("message", (msg: FromWorker) => {
      if (msg.type !== "done" && msg.type !== "access-go") return;
      const resolve = this.pending.get(msg.id);
      if (!resolve) return; // an answer after its deadline: the op is already recorded as info
      this.pending.delete(msg.id);
      resolve(msg);
    });
    void proc.exited.then(() => {
      this.exited = true;
      for (const resolve of this.pending.values()) resolve({ type: "exited" });
      this.pending.clear();
    });
  }

  get pid(): number {
    return this.proc.pid;
  }

  get running(): boolean {
    return !this.exited;
  }

  /** Start a worker and wait until its adapter is connected (or throw, with the worker killed). */
  static async start(opts: WorkerOptions): Promise<WorkerProcess> {
    const proc = await spawnOnHost(opts.host, workerArgv(), {
      ledger: opts.ledger,
      name: opts.name,
      ipc: true,
      logFile: opts.logFile,
      env: opts.env,
    });
    const timeoutMs = opts.startTimeoutMs ?? 60_000;
    const ready = await new Promise<FromWorker | { type: "timeout" } | { type: "exited" }>((resolve) => {
      const timer = setTimeout(() => resolve({ type: "timeout" }), timeoutMs);
      proc.child.once("message", (msg: FromWorker) => {
        clearTimeout(timer);
        resolve(msg);
      });
      void proc.exited.then(() => {
        clearTimeout(timer);
        resolve({ type: "exited" });
      });
      const init: ToWorker = {
        type: "init",
        lock: opts.lock,
        baseDir: opts.baseDir,
        endpoints: opts.endpoints,
      };
      proc.child.send(init);
    });
    if (ready.type === "ready") return new WorkerProcess(proc, ready.ownerReads);
    await proc.kill();
    const why =
      ready.type === "init-error"
        ? ready.message
        : ready.type === "timeout"
          ? `not ready within ${timeoutMs} ms`
          : "exited during start";
    throw new Error(`worker ${opts.name} (${opts.lock}): ${why}`);
  }

  /** Send a request; resolve with its answer, or "timeout" after `deadlineMs`, or "exited". */
  request(
    msg: DistributiveOmit<Extract<ToWorker, { type: "lock" | "access" }>, "id">,
    deadlineMs: number,
  ): Promise<RequestResult> {
    if (this.exited) return Promise.resolve({ type: "exited" });
    const id = this.nextId++;
    return new Promise<RequestResult>((resolve) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        resolve({ type: "timeout" });
      }, deadlineMs);
      this.pending.set(id, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
      try {
        this.proc.child.send({ ...msg, id } as ToWorker);
      } catch {
        this.pending.delete(id);
        clearTimeout(timer);
        resolve({ type: "exited" });
      }
    });
  }

  /** SIGKILL (after SIGCONT) and wait for the exit. */
  async kill(): Promise<void> {
    await this.proc.kill();
  }

  /** Ask the worker to close its client and exit; kill it if it has not within `graceMs`. */
  async close(graceMs = 2_000): Promise<void> {
    if (this.exited) return;
    try {
      this.proc.child.send({ type: "close" } satisfies ToWorker);
    } catch {
      // the channel is gone already: the kill below settles it
    }
    const timer = setTimeout(() => void this.proc.kill(), graceMs);
    await this.proc.exited;
    clearTimeout(timer);
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
