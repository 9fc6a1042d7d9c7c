// The paused-holder fault, made exact: pause a client's process while it holds a lock and is in the middle
// of its critical section (it has read the resource, checked its lease, and sent its write), then hold the
// pause past the TTL. A random SIGSTOP almost always lands between sections, where the client re-checks its
// lease on waking and writes nothing; this gate lets the runner say "client X is about to write" and the
// nemesis stop that client's process at that instant, so the write reaches the resource only after resume.
// The runner calls `beforeWrite` synchronously before it sends each write; the `client-pause` fault calls
// `pauseNextWriter` (nemesis/faults.ts) when the run has a gate. From the instant of the pause the gate also
// counts the writes other clients announce on the paused writer's key, so the fault's stop can wait until the
// next holders have really written under the lock (not only until a hold time has passed).
// It must never pause anything by itself: only through the `pause` callback an armed fault gives it, and
// at most once per arming.

/** The client the gate paused: its target name and pid, and the key it holds when the runner said. */
export interface PausedWriter {
  name: string;
  pid: number;
  key?: string;
  /** Writes announced since the pause by other clients on `key` (any key when it is unknown). */
  others: OthersWatch;
}

/** Counts writes by clients other than one, from its creation until `close()`. */
export class OthersWatch {
  private count = 0;
  private readonly waiters = new Set<() => void>();

  constructor(
    readonly writer: string,
    readonly key: string | undefined,
  ) {}

  /** How many such writes were announced so far. */
  get seen(): number {
    return this.count;
  }

  /** A write by `name` on `key` was announced. */
  note(name: string, key: string | undefined): void {
    if (name === this.writer || (this.key !== undefined && key !== undefined && key !== this.key)) return;
    this.count++;
    for (const w of [...this.waiters]) w();
  }

  /** Resolves with `seen` once it reaches `n`, or after `timeoutMs` or an abort with what was seen. */
  until(n: number, timeoutMs: number, signal?: AbortSignal): Promise<number> {
    return new Promise((resolve) => {
      const check = () => {
        if (this.count >= n || signal?.aborted) finish();
      };
      const finish = () => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", finish);
        this.waiters.delete(check);
        resolve(this.count);
      };
      const timer = setTimeout(finish, timeoutMs);
      this.waiters.add(check);
      signal?.addEventListener("abort", finish, { once: true });
      check();
    });
  }
}

type PauseFn = (pid: number) => boolean;

export class MidSectionGate {
  private armed?: { pause: PauseFn; resolve: (w: PausedWriter | undefined) => void };
  private readonly watches = new Set<OthersWatch>();

  /**
   * The runner: client `name` (worker `pid`) holds the lock by its own account and is about to send a
   * write (on `key`, when the runner knows it). When a fault is armed, its process is stopped here, before
   * the write reaches it.
   */
  beforeWrite(name: string, pid: number, key?: string): void {
    for (const w of this.watches) w.note(name, key);
    const armed = this.armed;
    if (!armed) return;
    if (!armed.pause(pid)) return; // not running: wait for the next writer
    this.armed = undefined;
    const others = new OthersWatch(name, key);
    this.watches.add(others);
    armed.resolve({ name, pid, key, others });
  }

  /** Stops counting for a paused writer (its fault has stopped). */
  release(w: PausedWriter): void {
    this.watches.delete(w.others);
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

/**
 * How long the stop of a holder's pause may wait, past its hold, for another client to take the lock (and,
 * mid-section, to write under it twice, so its first write has landed before the stale one). The runner
 * gives paused clients this much more grace.
 */
export const TAKEOVER_WAIT_MS = 5_000;

/** Writes by the next holders a mid-section pause waits for before it resumes the stale writer. */
export const TAKEOVER_WRITES = 2;
