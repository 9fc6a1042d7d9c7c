// Undoing what runs left behind, through their ledgers (DESIGN.md section 7): `locksmith cleanup` after a
// crash, and the Ctrl-C/SIGTERM handler of a live run. Resources are undone newest first: processes are
// resumed and killed (only after checking the pid is still the same process, by its /proc start time or the
// LOCKSMITH_TAG in its environment; best effort only: redis-server rewrites its title over its environment),
// then iptables rules and chains, veths, bridges, namespaces, offset
// files and temp dirs are removed; the ledger is then marked closed.
// It must never signal a process it cannot prove is the run's own, never touch a ledger whose writer is
// still alive unless asked to (`all`), and never remove a path that is not absolute and at least two levels
// deep.

import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { findIp } from "./hosts.js";
import {
  defaultStateDir,
  type Ledger,
  type LedgerResource,
  markClosedInFile,
  markRemovedInFile,
  type OrphanLedger,
  readLedgers,
} from "./ledger.js";
import { readProcState, readStartTicks } from "./processes.js";

export type UndoOutcome =
  | "removed"
  | "already gone"
  | "would remove"
  | `skipped: ${string}`
  | `failed: ${string}`;

export interface UndoAction {
  resource: LedgerResource;
  outcome: UndoOutcome;
}

export interface LedgerCleanup {
  path: string;
  runId: string;
  writerPid: number;
  writerAlive: boolean;
  /** False when the ledger was left alone (closed already, or its writer lives and `all` was not given). */
  cleaned: boolean;
  actions: UndoAction[];
}

export interface CleanupOptions {
  stateDir?: string;
  /** Clean ledgers even when their writer is alive (it must then be stuck or mistaken). */
  all?: boolean;
  /** Only the ledger of this run id. */
  runId?: string;
  /** List what would be undone; change nothing. */
  dryRun?: boolean;
}

/** Is the process that wrote a ledger still running (and the same process, when its start time is known)? */
export function writerAlive(pid: number, startTicks?: number): boolean {
  if (pid <= 0) return false;
  if (pid === process.pid) return true;
  const state = readProcState(pid);
  if (state === undefined || state === "Z" || state === "X") return false;
  if (startTicks !== undefined && readStartTicks(pid) !== startTicks) return false;
  return true;
}

/** Clean every orphan ledger (or every open one with `all`) under the state dir. */
export async function cleanupLedgers(opts: CleanupOptions = {}): Promise<LedgerCleanup[]> {
  const ledgers = readLedgers(opts.stateDir ?? defaultStateDir()).filter(
    (l) => !l.closed && (opts.runId === undefined || l.runId === opts.runId),
  );
  const results: LedgerCleanup[] = [];
  for (const ledger of ledgers) {
    const alive = writerAlive(ledger.pid, ledger.pidStartTicks);
    const result: LedgerCleanup = {
      path: ledger.path,
      runId: ledger.runId,
      writerPid: ledger.pid,
      writerAlive: alive,
      cleaned: false,
      actions: [],
    };
    results.push(result);
    if (alive && !opts.all) continue;
    if (opts.dryRun) {
      result.actions = ledger.outstanding.map(({ resource }) => ({ resource, outcome: "would remove" }));
      continue;
    }
    result.actions = await undoOrphan(ledger);
    result.cleaned = true;
  }
  return results;
}

/** Undo the outstanding resources of a ledger read from disk; close it when nothing failed. */
export async function undoOrphan(ledger: OrphanLedger): Promise<UndoAction[]> {
  const actions: UndoAction[] = [];
  for (const { handle, resource } of [...ledger.outstanding]) {
    const outcome = await undoResource(resource);
    actions.push({ resource, outcome });
    if (!outcome.startsWith("failed")) markRemovedInFile(ledger, handle);
  }
  if (ledger.outstanding.length === 0) markClosedInFile(ledger);
  return actions;
}

/** Undo the outstanding resources of this process's own live ledger (the signal handler's last resort). */
export async function undoLive(ledger: Ledger): Promise<UndoAction[]> {
  const actions: UndoAction[] = [];
  for (const { handle, resource } of ledger.outstanding()) {
    const outcome = await undoResource(resource);
    actions.push({ resource, outcome });
    if (!outcome.startsWith("failed")) ledger.removed(handle);
  }
  return actions;
}

/** Undo one resource. Never throws: the outcome says what happened. */
export async function undoResource(r: LedgerResource): Promise<UndoOutcome> {
  try {
    switch (r.kind) {
      case "process":
        return await killRunProcess(r.pid, r.startTicks, r.tag);
      case "paused": {
        if (!sameProcess(r.pid, r.startTicks)) return "already gone";
        process.kill(r.pid, "SIGCONT");
        return "removed";
      }
      case "iptables-rule": {
        if (r.netns && !(await netnsExists(r.netns))) return "already gone";
        const t = r.table ? ["-t", r.table] : [];
        if ((await iptables(r.netns, [...t, "-C", ...r.args])) !== undefined) return "already gone";
        return (await iptables(r.netns, [...t, "-D", ...r.args])) ?? "removed";
      }
      case "iptables-chain": {
        if (r.netns && !(await netnsExists(r.netns))) return "already gone";
        const t = r.table ? ["-t", r.table] : [];
        if ((await iptables(r.netns, [...t, "-S", r.chain])) !== undefined) return "already gone";
        await iptables(r.netns, [...t, "-F", r.chain]);
        return (await iptables(r.netns, [...t, "-X", r.chain])) ?? "removed";
      }
      case "veth":
      case "bridge": {
        const ip = requireIp();
        if (!(await ok(ip, ["link", "show", "dev", r.name]))) return "already gone";
        await runFile(ip, ["link", "del", r.name]);
        return "removed";
      }
      case "netns": {
        if (!(await netnsExists(r.name))) return "already gone";
        await runFile(requireIp(), ["netns", "del", r.name]);
        return "removed";
      }
      case "file":
      case "tempdir": {
        const p = resolve(r.path);
        if (!isAbsolute(r.path) || p.split("/").filter(Boolean).length < 2)
          return `skipped: refusing to remove ${r.path}`;
        const existed = existsSync(p);
        rmSync(p, { recursive: r.kind === "tempdir", force: true });
        return existed ? "removed" : "already gone";
      }
    }
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

function sameProcess(pid: number, startTicks?: number): boolean {
  const state = readProcState(pid);
  if (state === undefined || state === "Z" || state === "X") return false;
  return startTicks === undefined || readStartTicks(pid) === startTicks;
}

/** Pids of live processes whose environment carries LOCKSMITH_TAG=<tag> (the spawn and its descendants). */
export function pidsWithTag(tag: string): number[] {
  const needle = `LOCKSMITH_TAG=${tag}\0`;
  const found: number[] = [];
  for (const name of readdirSync("/proc")) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const env = readFileSync(`/proc/${name}/environ`, "latin1");
      if (`${env}\0`.includes(needle)) found.push(Number(name));
    } catch {}
  }
  return found;
}

async function killRunProcess(
  pid: number,
  startTicks: number | undefined,
  tag: string | undefined,
): Promise<UndoOutcome> {
  const targets = new Set<number>();
  // A pid is trusted only with proof it is the same process: its recorded start time, or the tag.
  if (pid > 0 && startTicks !== undefined && sameProcess(pid, startTicks)) targets.add(pid);
  if (tag && process.platform === "linux")
    for (const p of pidsWithTag(tag)) if (sameProcess(p)) targets.add(p);
  targets.delete(process.pid);
  if (targets.size === 0) return "already gone";
  const ticks = new Map([...targets].map((p) => [p, readStartTicks(p)]));
  for (const p of targets) {
    try {
      process.kill(p, "SIGCONT");
      process.kill(p, "SIGKILL");
    } catch {}
  }
  const deadline = Date.now() + 5_000;
  while (Date.now() < deadline) {
    if ([...targets].every((p) => !sameProcess(p, ticks.get(p)))) return "removed";
    await new Promise((r) => setTimeout(r, 20));
  }
  return `failed: pid ${[...targets].join(",")} still running after SIGKILL`;
}

function requireIp(): string {
  const ip = findIp();
  if (!ip) throw new Error("ip (iproute2) is not installed");
  return ip;
}

async function netnsExists(name: string): Promise<boolean> {
  const ip = findIp();
  if (!ip) return false;
  const list = await runFile(ip, ["netns", "list"]).catch(() => "");
  return list.split("\n").some((l) => l.split(" ")[0] === name);
}

/** Run iptables (in a namespace if given); resolves undefined on success, or a "failed: ..." outcome. */
async function iptables(netns: string | undefined, args: string[]): Promise<`failed: ${string}` | undefined> {
  const ipt = ["/usr/sbin/iptables", "/sbin/iptables", "/usr/bin/iptables"].find((p) => existsSync(p));
  if (!ipt) return "failed: iptables is not installed";
  const argv = netns ? [requireIp(), "netns", "exec", netns, ipt, "-w", ...args] : [ipt, "-w", ...args];
  try {
    await runFile(argv[0], argv.slice(1));
    return undefined;
  } catch (err) {
    return `failed: ${(err as Error).message}`;
  }
}

function ok(file: string, args: string[]): Promise<boolean> {
  return runFile(file, args).then(
    () => true,
    () => false,
  );
}

function runFile(file: string, args: string[]): Promise<string> {
  return new Promise((resolvePromise, reject) => {
    execFile(file, args, { timeout: 10_000, encoding: "utf8" }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${file} ${args.join(" ")}: ${stderr.trim() || err.message}`));
      else resolvePromise(stdout);
    });
  });
}

/**
 * For a live run: on SIGINT/SIGTERM, call `teardown` (which should stop servers and undo the ledger), then
 * exit with 130/143. A second signal exits at once (the ledger stays for `locksmith cleanup`). Returns a
 * function that removes the handlers.
 */
export function teardownOnSignals(
  teardown: () => Promise<void>,
  opts: { timeoutMs?: number; log?: (line: string) => void } = {},
): () => void {
  const log = opts.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  let tearing = false;
  const handler = (sig: NodeJS.Signals) => {
    const code = sig === "SIGINT" ? 130 : 143;
    if (tearing) {
      log(`locksmith: ${sig} again; exiting now (run \`locksmith cleanup\` to remove what is left)`);
      process.exit(code);
    }
    tearing = true;
    log(`locksmith: ${sig}: tearing down the run...`);
    const timer = setTimeout(() => {
      log("locksmith: teardown timed out; run `locksmith cleanup`");
      process.exit(code);
    }, opts.timeoutMs ?? 30_000);
    teardown()
      .catch((err) => log(`locksmith: teardown failed: ${(err as Error).message}; run \`locksmith cleanup\``))
      .finally(() => {
        clearTimeout(timer);
        process.exit(code);
      });
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
  return () => {
    process.off("SIGINT", handler);
    process.off("SIGTERM", handler);
  };
}

/** One line per action, for `locksmith cleanup`'s output. */
export function describeResource(r: LedgerResource): string {
  switch (r.kind) {
    case "process":
      return `process ${r.name} (pid ${r.pid || "?"})`;
    case "paused":
      return `paused pid ${r.pid}`;
    case "netns":
      return `namespace ${r.name}`;
    case "bridge":
      return `bridge ${r.name}`;
    case "veth":
      return `veth ${r.name}`;
    case "iptables-rule":
      return `iptables rule ${r.args.join(" ")}${r.netns ? ` in ${r.netns}` : ""}`;
    case "iptables-chain":
      return `iptables chain ${r.chain}${r.netns ? ` in ${r.netns}` : ""}`;
    case "file":
      return `file ${r.path}`;
    case "tempdir":
      return `temp dir ${r.path}`;
  }
}
