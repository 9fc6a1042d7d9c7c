// The run's ledger (DESIGN.md section 7): every resource a run creates is written here *before* it is
// created, and marked removed after it is removed, so `locksmith cleanup` can undo a crashed run.
// It only records; undoing entries is nemesis/cleanup.ts's job. It must never lose a line: each write is
// appended and fsynced before the caller goes on to create the resource.

import { appendFileSync, closeSync, fsyncSync, mkdirSync, openSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** What a run can leave behind, in a form that is enough to remove it. */
export type LedgerResource =
  | { kind: "process"; pid: number; name: string; startTicks?: number }
  | { kind: "paused"; pid: number; startTicks?: number }
  | { kind: "netns"; name: string }
  | { kind: "bridge"; name: string }
  | { kind: "veth"; name: string }
  | { kind: "iptables-rule"; netns?: string; table?: string; args: string[] }
  | { kind: "iptables-chain"; netns?: string; table?: string; chain: string }
  | { kind: "file"; path: string }
  | { kind: "tempdir"; path: string };

interface LedgerLine {
  seq: number;
  op: "create" | "remove" | "open" | "close";
  resource?: LedgerResource;
  /** For "remove": the seq of the "create" it undoes. */
  of?: number;
  runId?: string;
  pid?: number;
  at: string;
}

/** Default folder of ledgers: $LOCKSMITH_STATE_DIR or /tmp/locksmith-state (root) / ~/.locksmith. */
export function defaultStateDir(): string {
  if (process.env.LOCKSMITH_STATE_DIR) return process.env.LOCKSMITH_STATE_DIR;
  return process.getuid?.() === 0 ? "/var/tmp/locksmith-state" : join(process.env.HOME ?? "/tmp", ".locksmith");
}

export class Ledger {
  readonly path: string;
  private seq = 0;
  private readonly live = new Map<number, LedgerResource>();

  constructor(
    readonly runId: string,
    stateDir: string = defaultStateDir(),
  ) {
    const dir = join(stateDir, "ledgers");
    mkdirSync(dir, { recursive: true });
    this.path = join(dir, `${runId}.jsonl`);
    this.write({ seq: this.seq++, op: "open", runId, pid: process.pid, at: new Date().toISOString() });
  }

  /** Record a resource before creating it; returns the handle to pass to `removed`. */
  willCreate(resource: LedgerResource): number {
    const seq = this.seq++;
    this.write({ seq, op: "create", resource, at: new Date().toISOString() });
    this.live.set(seq, resource);
    return seq;
  }

  /** Record that a resource is gone (call after removing it, or after learning it never came to be). */
  removed(handle: number): void {
    if (!this.live.has(handle)) return;
    this.live.delete(handle);
    this.write({ seq: this.seq++, op: "remove", of: handle, at: new Date().toISOString() });
  }

  /** Resources still recorded as live, newest first (the order to undo them). */
  outstanding(): Array<{ handle: number; resource: LedgerResource }> {
    return [...this.live.entries()].reverse().map(([handle, resource]) => ({ handle, resource }));
  }

  /** Mark the ledger finished: nothing is outstanding any more. */
  close(): void {
    this.write({ seq: this.seq++, op: "close", at: new Date().toISOString() });
  }

  private write(line: LedgerLine): void {
    const fd = openSync(this.path, "a");
    try {
      appendFileSync(fd, `${JSON.stringify(line)}\n`);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  }
}

/** A ledger file read back after a crash: its run, the pid that wrote it, and what it left live. */
export interface OrphanLedger {
  path: string;
  runId: string;
  pid: number;
  closed: boolean;
  outstanding: Array<{ handle: number; resource: LedgerResource }>;
}

export function readLedgers(stateDir: string = defaultStateDir()): OrphanLedger[] {
  const dir = join(stateDir, "ledgers");
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith(".jsonl"));
  } catch {
    return [];
  }
  return names.map((name) => readLedger(join(dir, name)));
}

export function readLedger(path: string): OrphanLedger {
  const live = new Map<number, LedgerResource>();
  let runId = "";
  let pid = 0;
  let closed = false;
  for (const text of readFileSync(path, "utf8").split("\n")) {
    if (!text.trim()) continue;
    let line: LedgerLine;
    try {
      line = JSON.parse(text) as LedgerLine;
    } catch {
      continue; // a torn last line from a crash: everything before it is intact
    }
    if (line.op === "open") {
      runId = line.runId ?? "";
      pid = line.pid ?? 0;
    } else if (line.op === "create" && line.resource) live.set(line.seq, line.resource);
    else if (line.op === "remove" && line.of !== undefined) live.delete(line.of);
    else if (line.op === "close") closed = true;
  }
  const outstanding = [...live.entries()].reverse().map(([handle, resource]) => ({ handle, resource }));
  return { path, runId, pid, closed, outstanding };
}
