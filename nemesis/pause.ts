// Pause and resume (SIGSTOP / SIGCONT) of a server or client process. A paused pid is written to the ledger
// as `paused` before it is stopped, so cleanup resumes it after a crash of the runner.
// It must never signal a pid other than the one it was given (start time checked, so a reused pid is
// left alone), and `resumeAll` must leave no process of the run stopped.

import type { Ledger } from "./ledger.js";
import { readProcState, readStartTicks } from "./processes.js";

interface Paused {
  pid: number;
  startTicks?: number;
  handle: number;
  since: number;
}

export class Pauser {
  private readonly paused = new Map<number, Paused>();

  constructor(private readonly ledger: Ledger) {}

  /** SIGSTOPs the process; returns false when it is not running (nothing done). */
  pause(pid: number): boolean {
    if (this.paused.has(pid)) return true;
    const startTicks = readStartTicks(pid);
    if (startTicks === undefined || readProcState(pid) === "Z") return false;
    const handle = this.ledger.willCreate({ kind: "paused", pid, startTicks });
    try {
      process.kill(pid, "SIGSTOP");
    } catch {
      this.ledger.removed(handle);
      return false;
    }
    this.paused.set(pid, { pid, startTicks, handle, since: Date.now() });
    return true;
  }

  /** SIGCONTs a process this pauser stopped; returns how long it was paused in ms (undefined: not paused). */
  resume(pid: number): number | undefined {
    const p = this.paused.get(pid);
    if (!p) return undefined;
    if (readStartTicks(pid) === p.startTicks) {
      try {
        process.kill(pid, "SIGCONT");
      } catch {
        // it died while stopped: nothing left to resume
      }
    }
    this.paused.delete(pid);
    this.ledger.removed(p.handle);
    return Date.now() - p.since;
  }

  /** Resolves true once the kernel reports the process stopped (SIGSTOP is delivered asynchronously). */
  async waitStopped(pid: number, timeoutMs = 1_000): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const state = readProcState(pid);
      if (state === "T" || state === "t") return true;
      if (state === undefined || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 5));
    }
  }

  isPaused(pid: number): boolean {
    return this.paused.has(pid);
  }

  pausedPids(): number[] {
    return [...this.paused.keys()];
  }

  resumeAll(): void {
    for (const pid of [...this.paused.keys()]) this.resume(pid);
  }
}
