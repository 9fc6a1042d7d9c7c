// Who holds each lock, by the clients' own account (an ok acquire, until that client releases or loses
// track of the op): what the nemesis's `holder` role targets, and what its faults wait on to land while a
// lock is held (`nextAcquire`). It only observes the runner's own calls; it must never be taken as the
// truth about the lock service (the checkers decide that from the history), and never block a client.

/** A client that has just acquired `key`. */
export interface Acquired {
  index: number;
  key: string;
}

export class HolderBook {
  private readonly byKey = new Map<string, number>();
  private readonly waiters = new Set<(a: Acquired) => void>();

  /** Record what a lock call of client `index` on `key` means for holding it. */
  note(index: number, f: string, key: string, outcome: "invoke" | "ok" | "fail" | "info"): void {
    if (f === "acquire" && outcome === "ok") {
      this.byKey.set(key, index);
      for (const w of [...this.waiters]) w({ index, key });
    } else if ((f === "release" && outcome === "invoke") || outcome === "info") this.drop(index, key);
  }

  /** The client index holding `key` (any held key when none is named), or undefined. */
  holder(key?: string): number | undefined {
    if (key !== undefined) return this.byKey.get(key);
    for (const index of this.byKey.values()) return index;
    return undefined;
  }

  /** The keys client `index` holds now. */
  keysOf(index: number): string[] {
    return [...this.byKey].filter(([, i]) => i === index).map(([k]) => k);
  }

  /**
   * Resolves just after the next ok acquire is noted (synchronously, before that client's next call), or
   * with undefined after `timeoutMs` or when `signal` aborts.
   */
  nextAcquire(timeoutMs: number, signal?: AbortSignal): Promise<Acquired | undefined> {
    return new Promise((resolve) => {
      const finish = (a: Acquired | undefined) => {
        clearTimeout(timer);
        signal?.removeEventListener("abort", onAbort);
        this.waiters.delete(finish);
        resolve(a);
      };
      const onAbort = () => finish(undefined);
      const timer = setTimeout(onAbort, timeoutMs);
      this.waiters.add(finish);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener("abort", onAbort, { once: true });
    });
  }

  private drop(index: number, key: string): void {
    if (this.byKey.get(key) === index) this.byKey.delete(key);
  }
}
