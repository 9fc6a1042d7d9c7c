// The run's ledger (DESIGN.md section 7): every resource a run creates is written here *before* it is
// created, and marked removed after it is removed, so `locksmith cleanup` can undo a crashed run.
// It only records; undoing entries is nemesis/cleanup.ts's job. It must never lose a line: each write is
// appended and fsynced before the caller goes on to create the resource.

import {
  appendFileSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  readFileSync,
} from "node:fs";
import { join } from "node:path";

/** What a run can leave behind, in a form that is enough to remove it. */
export type LedgerResource =
  /** A spawned program. Recorded with pid 0 before spawning, then amended with its pid and start time;
   * `tag` is also put in its environment (LOCKSMITH_TAG) so cleanup can find it even without the pid. */
  | { kind: "process"; pid: number; name: string; startTicks?: number; tag?: string }
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
  /** "update" (added later, additive) replaces the resource of the "create" named by `of`. */
  op: "create" | "remove" | "open" | "close" | "update";
  resource?: LedgerResource;
  /** For "remove": the seq of the "create" it undoes. */
  of?: number;
  runId?: string;
  pid?: number;
  /** "open" lines: the writer's start time (/proc/<pid>/stat field 22), so a reused pid is not taken as alive. */
  pidStartTicks?: number;
  at: string;
}

/** Default folder of ledgers: $LOCKSMITH_STATE_DIR or /tmp/locksmith-state (root) / ~/.locksmith. */
export function defaultStateDir(): string {
  if (process.env.LOCKSMITH_STATE_DIR) return process.env.LOCKSMITH_STATE_DIR;
  return process.getuid?.() === 0
    ? "/var/tmp/locksmith-state"
    : join(process.env.HOME ?? "/tmp", ".locksmith");
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
    this.write({
      seq: this.seq++,
      op: "open",
      runId,
      pid: process.pid,
      pidStartTicks: ownStartTicks(),
      at: new Date().toISOString(),
    });
  }

  /** Record a resource before creating it; returns the handle to pass to `removed`. */
  willCreate(resource: LedgerResource): number {
    const seq = this.seq++;
    this.write({ seq, op: "create", resource, at: new Date().toISOString() });
    this.live.set(seq, resource);
    return seq;
  }

  /** Replace what is known about a live resource (e.g. a process's pid, learnt right after spawning). */
  amend(handle: number, resource: LedgerResource): void {
    if (!this.live.has(handle)) return;
    this.live.set(handle, resource);
    this.write({ seq: this.seq++, op: "update", of: handle, resource, at: new Date().toISOString() });
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
    appendLine(this.path, line);
  }
}

/** This process's start time in clock ticks since boot (Linux), or undefined elsewhere. */
function ownStartTicks(): number | undefined {
  try {
    const stat = readFileSync(`/proc/${process.pid}/stat`, "utf8");
    const ticks = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

function appendLine(path: string, line: LedgerLine): void {
  const fd = openSync(path, "a");
  try {
    appendFileSync(fd, `${JSON.stringify(line)}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** A crash can leave a torn last line: end it, so the next line appended is read on its own. */
function endTornLine(path: string): void {
  const text = readFileSync(path, "utf8");
  if (text.length > 0 && !text.endsWith("\n")) appendFileSync(path, "\n");
}

/** For cleanup of another run's ledger: record that one of its resources is gone. */
export function markRemovedInFile(ledger: OrphanLedger, handle: number): void {
  endTornLine(ledger.path);
  appendLine(ledger.path, { seq: ++ledger.lastSeq, op: "remove", of: handle, at: new Date().toISOString() });
  ledger.outstanding = ledger.outstanding.filter((o) => o.handle !== handle);
}

/** For cleanup of another run's ledger: mark it finished. */
export function markClosedInFile(ledger: OrphanLedger): void {
  endTornLine(ledger.path);
  appendLine(ledger.path, { seq: ++ledger.lastSeq, op: "close", at: new Date().toISOString() });
  ledger.closed = true;
}

/** A ledger file read back after a crash: its run, the pid that wrote it, and what it left live. */
export interface OrphanLedger {
  path: string;
  runId: string;
  pid: number;
  /** The writer's start ticks when recorded (absent in older ledgers). */
  pidStartTicks?: number;
  closed: boolean;
  outstanding: Array<{ handle: number; resource: LedgerResource }>;
  /** Highest seq in the file (lines appended by cleanup continue from it). */
  lastSeq: number;
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
  let pidStartTicks: number | undefined;
  let closed = false;
  let lastSeq = 0;
  for (const text of readFileSync(path, "utf8").split("\n")) {
    if (!text.trim()) continue;
    let line: LedgerLine;
    try {
      line = JSON.parse(text) as LedgerLine;
    } catch {
      continue; // a torn last line from a crash: everything before it is intact
    }
    if (typeof line.seq === "number") lastSeq = Math.max(lastSeq, line.seq);
    if (line.op === "open") {
      runId = line.runId ?? "";
      pid = line.pid ?? 0;
      pidStartTicks = line.pidStartTicks;
    } else if (line.op === "create" && line.resource) live.set(line.seq, line.resource);
    else if (line.op === "update" && line.of !== undefined && line.resource && live.has(line.of))
      live.set(line.of, line.resource);
    else if (line.op === "remove" && line.of !== undefined) live.delete(line.of);
    else if (line.op === "close") closed = true;
  }
  const outstanding = [...live.entries()].reverse().map(([handle, resource]) => ({ handle, resource }));
  return { path, runId, pid, pidStartTicks, closed, outstanding, lastSeq };
}
