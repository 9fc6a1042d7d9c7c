// The protected resource (DESIGN.md section 5; docs/history-format.md, "Protected-resource ops"): what a
// critical section acts on, hosted by the runner, one register, set and counter per lock key, each access
// applied atomically in the order it arrives. A fenced resource rejects a write whose token is lower than
// the highest token it has accepted (`fail`, error "stale-token"). This module only holds state and
// answers accesses: it must never look at the clock, do I/O, or know which lock is in use.

export type ResourceKind = "register" | "set" | "counter";

export const RESOURCE_KINDS: readonly ResourceKind[] = ["register", "set", "counter"];

/** The value of a res-read (and what a res-write writes): register number|null, set sorted numbers, counter. */
export type ResourceValue = number | null | number[];

export interface ResourceAccess {
  key: string;
  resource: ResourceKind;
  /** Fencing token (decimal string) of the lease the client believes it holds. */
  token?: string;
}

export type AccessOutcome =
  | { type: "ok"; result?: ResourceValue }
  | { type: "fail"; error: "stale-token" | "no-token"; highestToken: string | null };

interface Cell {
  value: ResourceValue;
  /** Highest token of an accepted write (fenced resources). */
  highest: bigint | null;
}

export class ProtectedResource {
  private readonly cells = new Map<string, Cell>();

  constructor(readonly fenced: boolean) {}

  read(access: ResourceAccess): AccessOutcome {
    return { type: "ok", result: copy(this.cell(access).value) };
  }

  /** Apply a write, unless the resource is fenced and the token is missing or stale. */
  write(access: ResourceAccess, value: ResourceValue): AccessOutcome {
    const cell = this.cell(access);
    if (this.fenced) {
      const token = parseToken(access.token);
      const highestToken = cell.highest === null ? null : cell.highest.toString();
      if (token === undefined) return { type: "fail", error: "no-token", highestToken };
      if (cell.highest !== null && token < cell.highest)
        return { type: "fail", error: "stale-token", highestToken };
      cell.highest = token;
    }
    cell.value = normalize(access.resource, value);
    return { type: "ok" };
  }

  /** Keys touched so far, in first-touch order. */
  keys(): string[] {
    return [...new Set([...this.cells.keys()].map((k) => k.slice(0, k.lastIndexOf("\u0000"))))];
  }

  private cell(access: ResourceAccess): Cell {
    const id = `${access.key}\u0000${access.resource}`;
    let cell = this.cells.get(id);
    if (!cell) {
      cell = { value: initialValue(access.resource), highest: null };
      this.cells.set(id, cell);
    }
    return cell;
  }
}

export function initialValue(kind: ResourceKind): ResourceValue {
  return kind === "register" ? null : kind === "set" ? [] : 0;
}

/** The value a critical section writes after reading `read`: a fresh unique number / the set plus one / +1. */
export function nextValue(kind: ResourceKind, read: ResourceValue, unique: number): ResourceValue {
  if (kind === "register") return unique;
  if (kind === "set") return [...(Array.isArray(read) ? read : []), unique].sort((a, b) => a - b);
  return (typeof read === "number" ? read : 0) + 1;
}

function normalize(kind: ResourceKind, value: ResourceValue): ResourceValue {
  if (kind === "set") return [...new Set(Array.isArray(value) ? value : [])].sort((a, b) => a - b);
  return copy(value);
}

function copy(value: ResourceValue): ResourceValue {
  return Array.isArray(value) ? [...value] : value;
}

function parseToken(token: string | undefined): bigint | undefined {
  if (token === undefined || !/^\d+$/.test(token)) return undefined;
  return BigInt(token);
}
