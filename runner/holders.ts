// Who holds each lock, by the clients' own account (an ok acquire, until that client releases or loses
// track of the op): what the nemesis's `holder` role targets. It only observes the runner's own calls;
// it must never be taken as the truth about the lock service (the checkers decide that from the history).

export class HolderBook {
  private readonly byKey = new Map<string, number>();

  /** Record what a lock call of client `index` on `key` means for holding it. */
  note(index: number, f: string, key: string, outcome: "invoke" | "ok" | "fail" | "info"): void {
    if (f === "acquire" && outcome === "ok") this.byKey.set(key, index);
    else if ((f === "release" && outcome === "invoke") || outcome === "info") this.drop(index, key);
  }

  /** The client index holding `key` (any held key when none is named), or undefined. */
  holder(key?: string): number | undefined {
    if (key !== undefined) return this.byKey.get(key);
    for (const index of this.byKey.values()) return index;
    return undefined;
  }

  private drop(index: number, key: string): void {
    if (this.byKey.get(key) === index) this.byKey.delete(key);
  }
}
