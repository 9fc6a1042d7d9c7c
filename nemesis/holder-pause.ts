// The paused-holder fault, made exact: pause a client's process while it holds a lock and is in the middle
// of its critical section (it has read the resource, checked its lease, and sent its write), then hold the
// pause past the TTL. A random SIGSTOP almost always lands between sections, where the client re-checks its
// lease on waking and writes nothing; this gate lets the runner say "client X is about to write" and the
// nemesis stop that client's process at that instant, so the write reaches the resource only after resume.
// The runner calls `beforeWrite` synchronously before it sends each write; the `client-pause` fault calls
// `pauseNextWriter` (nemesis/faults.ts) when the run has a gate.
// It must never pause anything by itself: only through the `pause` callback an armed fault gives it, and
// at most once per arming.

/** The client the gate paused: its target name and pid. */
export interface PausedWriter {
  name: string;
  pid: number;
}

type PauseFn = (pid: number) => boolean;

export class MidSectionGate {
  private armed?: { pause: PauseFn; resolve: (w: PausedWriter | undefined) => void };

  /**
   * The runner: client `name` (worker `pid`) holds the lock by its own account and is about to send a
   * write. When a fault is armed, its process is stopped here, before the write reaches it.
   */
  beforeWrite(name: string, pid: number): void {
    const armed = this.armed;
    if (!armed) return;
    if (!armed.pause(pid)) return; // not running: wait for the next writer
    this.armed = undefined;
    armed.resolve({ name, pid });
  }

  /** Whether a fault waits for the next writer now. */
  get isArmed(): boolean {
    return this.armed !== undefined;
  }

  /**
   * The nemesis: stop the next client that is about to write (with `pause`); resolves with it, or with
   * undefined when none writes within `timeoutMs` or `signal` aborts (then the gate is disarmed).
   */
  pauseNextWriter(
    pause: PauseFn,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<PausedWriter | undefined> {
    if (this.armed) this.armed.resolve(undefined);
    return new Promise((resolve) => {
      const finish = (w: PausedWriter | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        if (this.armed?.resolve === finish) this.armed = undefined;
        resolve(w);
      };
      const onAbort = () => finish(undefined);
      const timer = setTimeout(onAbort, timeoutMs);
      this.armed = { pause, resolve: finish };
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }
}

/** How long an armed `client-pause` waits for a client to write under a lock before it gives up. */
export const WRITER_WAIT_MS = 5_000;
