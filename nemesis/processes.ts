// Starting programs on a host (nemesis/hosts.ts) and keeping hold of them: the process is written to the
// run's ledger BEFORE it is spawned (with a tag in its environment, so cleanup can find it even if the
// runner dies before learning its pid), amended with pid and start time right after, and marked removed when
// its exit event fires. Exit is learnt from the child's exit event, never from `kill -0` (PID 1 here does
// not reap orphans, so a dead child can look alive). Signals go to the exact PID, never by name.
// It must never spawn through a shell, and never signal a pid whose process has already exited.

import { type ChildProcess, type StdioOptions, spawn } from "node:child_process";
import { closeSync, openSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { findIp, type Host } from "./hosts.js";
import type { Ledger } from "./ledger.js";

export interface SpawnOnHostOptions {
  ledger: Ledger;
  /** Human name for logs and the ledger ("etcd1", "client 3"). */
  name: string;
  cwd?: string;
  /** Extra environment (added to the runner's). */
  env?: NodeJS.ProcessEnv;
  /** Append stdout and stderr to this file; default: ignore them (or pipe, with `pipe: true`). */
  logFile?: string;
  pipe?: boolean;
  /**
   * Put the program in its own process group, so a terminal's Ctrl-C reaches only the runner (which then
   * tears down in order). Default false: Ctrl-C in a terminal also stops the program directly, which is the
   * safer default for tests whose ledgers live in temp dirs.
   */
  ownProcessGroup?: boolean;
  /** Add an 'ipc' channel as fd 3 (for Node workers: `child.send`/`process.on("message")`). */
  ipc?: boolean;
}

export interface ExitInfo {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** Start time of a process in clock ticks since boot (/proc/<pid>/stat field 22), or undefined if gone. */
export function readStartTicks(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const afterComm = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // afterComm[0] is field 3 (state); field 22 is afterComm[19]
    const ticks = Number(afterComm[19]);
    return Number.isFinite(ticks) ? ticks : undefined;
  } catch {
    return undefined;
  }
}

/** The state letter of a process (R, S, T for stopped, Z for zombie...), or undefined if gone. */
export function readProcState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
  } catch {
    return undefined;
  }
}

let tagCounter = 0;

/** A program running on a host, started by this runner. */
export class HostProcess {
  readonly pid: number;
  readonly startTicks: number | undefined;
  /** Resolves when the process has exited (never rejects). */
  readonly exited: Promise<ExitInfo>;
  private exitInfo: ExitInfo | undefined;

  constructor(
    readonly host: Host,
    readonly name: string,
    readonly child: ChildProcess,
    pid: number,
    exited: Promise<ExitInfo>,
  ) {
    this.pid = pid;
    this.startTicks = readStartTicks(pid);
    this.exited = exited.then((info) => {
      this.exitInfo = info;
      return info;
    });
  }

  /** False once the exit event has fired. */
  get running(): boolean {
    return this.exitInfo === undefined;
  }

  get exit(): ExitInfo | undefined {
    return this.exitInfo;
  }

  /** Send a signal to this exact pid if it is still running; returns whether it was sent. */
  signal(sig: NodeJS.Signals): boolean {
    if (!this.running) return false;
    try {
      process.kill(this.pid, sig);
      return true;
    } catch {
      return false;
    }
  }

  /** SIGKILL (after SIGCONT, in case it is paused) and wait for the exit event. */
  async kill(): Promise<ExitInfo> {
    this.signal("SIGCONT");
    this.signal("SIGKILL");
    return this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 5_000): Promise<ExitInfo> {
    if (!this.running) return this.exited;
    this.signal("SIGCONT");
    this.signal("SIGTERM");
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<"timeout">((resolve) => {
      timer = setTimeout(() => resolve("timeout"), graceMs);
    });
    const first = await Promise.race([this.exited, timedOut]);
    clearTimeout(timer);
    if (first === "timeout") return this.kill();
    return first;
  }
}

/**
 * Start `argv` on `host`: in its namespace (`ip netns exec NS argv...`, which execs in place, so the pid is
 * the program's) or directly on loopback hosts. The process is in the ledger before it exists.
 */
export function spawnOnHost(host: Host, argv: string[], opts: SpawnOnHostOptions): Promise<HostProcess> {
  if (argv.length === 0) throw new Error("spawnOnHost: empty argv");
  const tag = `${opts.ledger.runId}:${process.pid}:${++tagCounter}`;
  const handle = opts.ledger.willCreate({ kind: "process", pid: 0, name: opts.name, tag });
  const full = host.netns ? [findIp() ?? "ip", "netns", "exec", host.netns, ...argv] : argv;
  const logFd = opts.logFile ? openSync(opts.logFile, "a") : undefined;
  const out: "ignore" | "pipe" | number = logFd ?? (opts.pipe ? "pipe" : "ignore");
  const stdio: StdioOptions = opts.ipc ? ["ignore", out, out, "ipc"] : ["ignore", out, out];
  let child: ChildProcess;
  try {
    child = spawn(full[0], full.slice(1), {
      cwd: opts.cwd,
      env: { ...process.env, ...opts.env, LOCKSMITH_TAG: tag },
      stdio,
      detached: opts.ownProcessGroup ?? false,
    });
  } catch (err) {
    if (logFd !== undefined) closeSync(logFd);
    opts.ledger.removed(handle);
    throw err;
  }
  if (logFd !== undefined) closeSync(logFd); // the child holds its own copy
  return new Promise((resolve, reject) => {
    const exited = new Promise<ExitInfo>((resolveExit) => {
      child.once("exit", (code, signal) => {
        opts.ledger.removed(handle);
        resolveExit({ code, signal });
      });
    });
    child.once("error", (err) => {
      if (child.pid === undefined) {
        opts.ledger.removed(handle);
        reject(new Error(`could not start ${argv[0]} on ${host.name}: ${err.message}`));
      }
    });
    child.once("spawn", () => {
      const proc = new HostProcess(host, opts.name, child, child.pid as number, exited);
      opts.ledger.amend(handle, {
        kind: "process",
        pid: proc.pid,
        name: opts.name,
        tag,
        startTicks: proc.startTicks,
      });
      resolve(proc);
    });
  });
}

/**
 * Poll `check` until it returns true, or throw "timed out waiting for <what>" after `timeoutMs`. The pause
 * between polls starts at 20 ms and doubles up to `maxPollMs` (200 by default; less to notice sooner).
 */
export async function waitUntil(
  check: () => Promise<boolean>,
  timeoutMs: number,
  what: string,
  maxPollMs = 200,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let delay = Math.min(20, maxPollMs);
  for (;;) {
    if (await check()) return;
    if (Date.now() >= deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(1, deadline - Date.now()))));
    delay = Math.min(delay * 2, maxPollMs);
  }
}

/** tsx's ESM loader as a file URL (import.meta.resolve is missing under some test runners). */
export function tsxLoader(): string {
  try {
    if (typeof import.meta.resolve === "function") return import.meta.resolve("tsx");
  } catch {
    // fall through
  }
  const pkg = createRequire(import.meta.url).resolve("tsx/package.json");
  return pathToFileURL(join(dirname(pkg), "dist", "loader.mjs")).href;
}
