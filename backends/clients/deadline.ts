// Deadlines for lock-client calls (DESIGN.md section 6: an explicit deadline on every call).
// A missed deadline says nothing about whether the call took effect, so it is never a DefiniteFailure;
// this module must never retry or swallow the underlying call's outcome.

/** The call did not answer in time: it may still take effect (recorded `info`). */
export class DeadlineExceeded extends Error {
  constructor(
    readonly what: string,
    readonly timeoutMs: number,
  ) {
    super(`${what}: no answer within ${timeoutMs} ms`);
    this.name = "DeadlineExceeded";
  }
}

/** Resolve or reject as `work` does, or reject with DeadlineExceeded after `timeoutMs`. */
export function withDeadline<T>(work: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new DeadlineExceeded(what, timeoutMs)), Math.max(0, timeoutMs));
    work.then(
      (value) => {
        clearTimeout(timer);
        resolve(value);
      },
      (err: unknown) => {
        clearTimeout(timer);
        reject(err);
      },
    );
  });
}

/** Milliseconds left before an absolute deadline (Date.now() based), never negative. */
export function remainingMs(deadlineAt: number): number {
  return Math.max(0, deadlineAt - Date.now());
}
