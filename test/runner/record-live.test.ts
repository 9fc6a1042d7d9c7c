// Live: each of the eight lock clients records contended work against real servers started by the
// project's provisioning (no faults); every history but naive's is lease-lock linearizable and naive's is
// not. Each run records 20 s, as the issue on live services asks. Then Ctrl-C (SIGINT) of `locksmith record`
// mid-run leaves nothing behind.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { builtinLockNames } from "../../backends/registry.js";
import { check } from "../../checker/check.js";
import { loadHistory } from "../../histories/load.js";
import type { History, ProcessId } from "../../histories/op.js";
import { getModel } from "../../models/index.js";
import { findIp, runTag } from "../../nemesis/hosts.js";
import { readLedgers } from "../../nemesis/ledger.js";
import { readProcState } from "../../nemesis/processes.js";
import { record } from "../../runner/record.js";
import { sourceCliArgs } from "../cli/cli-argv.js";
import { useRecordStateDir } from "../nemesis/live-fixture.js";

const { dir, stateDir } = useRecordStateDir("locksmith-record-live-");

/** Namespaces that exist now and belong to run `runId`. */
async function namespacesOf(runId: string): Promise<string[]> {
  const ip = findIp();
  if (!ip) return [];
  const out = await new Promise<string>((resolve) => {
    const child = spawn(ip, ["netns", "list"], { stdio: ["ignore", "pipe", "ignore"] });
    let text = "";
    child.stdout.on("data", (d: Buffer) => {
      text += d.toString();
    });
    child.on("close", () => resolve(text));
  });
  const tag = `ls-${runTag(runId)}-`;
  return out.split("\n").filter((line) => line.startsWith(tag));
}

/** Acquires that overlap in time with an acquire of the same key by another process: contention. */
function contendedAcquires(history: History): number {
  const open = new Map<string, Set<ProcessId>>();
  const contended = new Set<string>();
  for (const op of history) {
    if (op.f !== "acquire" || op.key === undefined) continue;
    const procs = open.get(op.key) ?? new Set<ProcessId>();
    open.set(op.key, procs);
    if (op.type === "invoke") {
      if (procs.size > 0) {
        contended.add(`${op.process}@${op.index}`);
        for (const p of procs) contended.add(`${p}@open`);
      }
      procs.add(op.process);
    } else procs.delete(op.process);
  }
  return contended.size;
}

/** Every pid a ledger ever recorded for a process (create and update lines). */
function ledgerPids(path: string): number[] {
  const pids = new Set<number>();
  for (const line of readFileSync(path, "utf8").split("\n")) {
    if (!line.trim()) continue;
    const entry = JSON.parse(line) as { resource?: { kind: string; pid?: number } };
    if (entry.resource?.kind === "process" && entry.resource.pid) pids.add(entry.resource.pid);
  }
  return [...pids];
}

/** Nothing of run `runId` is left: ledger closed with nothing outstanding, no process, namespace or temp dir. */
async function expectNothingLeft(runId: string): Promise<void> {
  const ledger = readLedgers(stateDir).find((l) => l.runId === runId);
  expect(ledger, `ledger of ${runId}`).toBeDefined();
  if (!ledger) return;
  expect(ledger.outstanding).toEqual([]);
  expect(ledger.closed).toBe(true);
  const pids = ledgerPids(ledger.path);
  expect(pids.length).toBeGreaterThan(0);
  for (const pid of pids) {
    const state = readProcState(pid);
    expect(state === undefined || state === "Z", `pid ${pid} is still running (${state})`).toBe(true);
  }
  expect(await namespacesOf(runId)).toEqual([]);
  expect(existsSync(join(tmpdir(), `locksmith-${runId}`))).toBe(false);
}

describe("locksmith record against live servers", () => {
  for (const lock of builtinLockNames()) {
    it(`${lock}: records contended work; the lease-lock verdict is ${lock === "naive" ? "false" : "true"}`, async () => {
      const lines: string[] = [];
      const out = join(dir, lock);
      const result = await record({
        lock,
        clients: 5,
        keys: 2,
        ttlMs: 2_000,
        durationS: 20,
        outDir: out,
        log: (line) => lines.push(line),
      });
      const counts = result.summary.counts;
      expect(counts["acquire ok"] ?? 0, lines.join("\n")).toBeGreaterThanOrEqual(5);
      expect(counts["res-write ok"] ?? 0).toBeGreaterThan(0);
      const test = JSON.parse(readFileSync(join(out, "test.json"), "utf8"));
      expect(test).toMatchObject({ seed: result.seed, config: { lock, clients: 5, keys: 2, ttlMs: 2000 } });
      // the servers' and the five clients' logs outlive the run's temp dir
      const logs = readdirSync(join(out, "logs"), { recursive: true }).map(String);
      const serverLogs = logs.filter((f) => /(etcd|redis)[^/]*\.log$/.test(f));
      expect(serverLogs.length, logs.join(", ")).toBeGreaterThan(0);
      expect(logs.filter((f) => /^client-\d\.log$/.test(f)).length, logs.join(", ")).toBe(5);

      const { history } = await loadHistory(join(out, "history.jsonl"));
      expect(history.length).toBe(result.summary.ops);
      expect(
        contendedAcquires(history),
        "acquires of one key by different clients overlapping",
      ).toBeGreaterThan(0);
      const verdict = check(history, getModel("lease-lock"), { timeLimitMs: 60_000 });
      expect(
        verdict.valid,
        `seed ${result.seed}: ${JSON.stringify(verdict.counterexample ?? verdict.cause)}`,
      ).toBe(lock !== "naive");
      await expectNothingLeft(result.runId);
    }, 400_000);
  }

  it("Ctrl-C (SIGINT) mid-run tears everything down and leaves a readable history prefix", async () => {
    const out = join(dir, "interrupted");
    const child: ChildProcess = spawn(
      process.execPath,
      sourceCliArgs([
        "record",
        "--lock",
        "redis-single",
        "--clients",
        "3",
        "--keys",
        "1",
        "--ttl",
        "2000",
        "--duration",
        "60",
        "--out",
        out,
      ]),
      { env: { ...process.env, LOCKSMITH_STATE_DIR: stateDir }, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stderr = "";
    child.stderr?.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    const deadline = Date.now() + 180_000;
    while (!stderr.includes("recording for") && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 100));
    }
    expect(stderr).toContain("recording for");
    // Interrupt only once completed ops are on disk: the history must keep them.
    const historyPath = join(out, "history.jsonl");
    const completedOnDisk = () =>
      existsSync(historyPath) && /"type":"(ok|fail)"/.test(readFileSync(historyPath, "utf8"));
    while (!completedOnDisk() && Date.now() < deadline && child.exitCode === null) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(completedOnDisk(), "completed ops in the history before the interrupt").toBe(true);
    child.kill("SIGINT");
    const code = await exited;
    expect(code, stderr).toBe(130);
    // an interrupt is not a crash: no stack trace, no client "stopped" by the teardown; it says what it kept
    expect(stderr).not.toContain("crashed");
    expect(stderr).not.toContain("stopped:");
    const kept = /interrupted: (\d+) ops kept in (.+) \(/.exec(stderr);
    expect(kept?.[2], stderr).toBe(historyPath);
    const test = JSON.parse(readFileSync(join(out, "test.json"), "utf8"));
    expect(test.interrupted).toBe(true);
    const { history } = await loadHistory(join(out, "history.jsonl"));
    expect(history.length).toBeGreaterThan(0);
    expect(Number(kept?.[1])).toBe(test.ops);
    await expectNothingLeft(test.runId);
  }, 300_000);
});
