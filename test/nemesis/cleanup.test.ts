// Cleanup after a crash: a child runner provisions etcd, Redis, a paused client and an iptables chain, and is
// SIGKILLed; `locksmith cleanup` then removes every process, the chain, the namespaces, the bridge and the temp
// dir, and closes the ledger. Also: a live writer's ledger is left alone, and a recorded pid that now belongs
// to another process (different start time) is never signalled.

import { execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findBinary } from "../../backends/install.js";
import { cleanupLedgers, type LedgerCleanup, undoResource, writerAlive } from "../../nemesis/cleanup.js";
import { run } from "../../nemesis/hosts.js";
import { Ledger, readLedgers } from "../../nemesis/ledger.js";
import { readProcState, readStartTicks } from "../../nemesis/processes.js";
import { sourceCliArgs } from "../cli/cli-argv.js";

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z";
};

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface ChildReport {
  runId: string;
  mode: string;
  pids: number[];
  tempDir: string;
  netns: string[];
  bridge?: string;
  chain?: string;
}

describe.skipIf(!findBinary("etcd") || !findBinary("redis-server"))(
  "cleanup after a SIGKILLed runner",
  () => {
    it("removes every process, iptables chain, namespace, bridge and temp dir of the run", async () => {
      const dir = mkdtempSync(join(tmpdir(), "lsm-cleanup-"));
      dirs.push(dir);
      const stateDir = join(dir, "state");
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "test/nemesis/cleanup-child.ts", stateDir, dir],
        {
          stdio: ["ignore", "pipe", "inherit"],
        },
      );
      const report = await new Promise<ChildReport>((resolve, reject) => {
        let out = "";
        child.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const nl = out.indexOf("\n");
          if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as ChildReport);
        });
        child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
      });
      const exited = new Promise((resolve) => child.once("exit", resolve));
      // everything exists while the runner lives
      expect(report.pids).toHaveLength(5);
      for (const pid of report.pids) expect(alive(pid)).toBe(true);
      expect(existsSync(report.tempDir)).toBe(true);
      const [ledgerBefore] = readLedgers(stateDir);
      expect(writerAlive(ledgerBefore.pid, ledgerBefore.pidStartTicks)).toBe(true);
      // a live writer's ledger is left alone
      const spared = await cleanupLedgers({ stateDir });
      expect(spared[0].cleaned).toBe(false);
      for (const pid of report.pids) expect(alive(pid)).toBe(true);

      child.kill("SIGKILL");
      await exited;
      for (const pid of report.pids) expect(alive(pid)).toBe(true); // orphans keep running

      // the real command, as a user would run it after a crash
      const cli = await new Promise<{ code: number; stdout: string }>((resolve) => {
        execFile(
          process.execPath,
          sourceCliArgs(["cleanup", "--state-dir", stateDir, "--json"]),
          { timeout: 60_000 },
          (err, stdout) => resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout }),
        );
      });
      expect(cli.code).toBe(0);
      const results = JSON.parse(cli.stdout) as LedgerCleanup[];
      expect(results).toHaveLength(1);
      expect(results[0].cleaned).toBe(true);
      expect(results[0].writerAlive).toBe(false);
      const outcomes = results[0].actions.map((a) => a.outcome);
      expect(outcomes.filter((o) => o.startsWith("failed"))).toEqual([]);
      expect(
        results[0].actions.filter((a) => a.resource.kind === "process" && a.outcome === "removed"),
      ).toHaveLength(5);

      if (report.chain) {
        const kinds = results[0].actions.filter((a) => a.outcome === "removed").map((a) => a.resource.kind);
        expect(kinds).toEqual(
          expect.arrayContaining(["iptables-rule", "iptables-chain", "netns", "veth", "bridge", "paused"]),
        );
        // reverse order: the jump rule goes before its chain, the chain before its namespace
        expect(kinds.indexOf("iptables-rule")).toBeLessThan(kinds.indexOf("iptables-chain"));
        expect(kinds.indexOf("iptables-chain")).toBeLessThan(kinds.lastIndexOf("netns"));
      }
      for (const pid of report.pids) expect(alive(pid)).toBe(false);
      expect(existsSync(report.tempDir)).toBe(false);
      const netnsList = await run("ip", ["netns", "list"]).catch(() => "");
      const links = await run("ip", ["-o", "link", "show"]).catch(() => "");
      for (const ns of report.netns) expect(netnsList).not.toContain(ns);
      if (report.bridge) expect(links).not.toContain(report.bridge);
      if (report.mode === "netns") expect(report.netns.length).toBeGreaterThan(0);
      const [after] = readLedgers(stateDir);
      expect(after.closed).toBe(true);
      expect(after.outstanding).toEqual([]);
      // a second cleanup finds nothing to do
      expect(await cleanupLedgers({ stateDir })).toEqual([]);
    }, 90_000);
  },
);

describe("cleanup's proof of identity", () => {
  it("never signals a pid whose start time differs from the one recorded", async () => {
    const victim = spawn(process.execPath, ["-e", "setInterval(() => {}, 1000)"], { stdio: "ignore" });
    try {
      const pid = victim.pid as number;
      const ticks = readStartTicks(pid) as number;
      expect(await undoResource({ kind: "process", pid, name: "reused", startTicks: ticks - 1 })).toBe(
        "already gone",
      );
      expect(await undoResource({ kind: "paused", pid, startTicks: ticks + 1 })).toBe("already gone");
      expect(alive(pid)).toBe(true);
      expect(await undoResource({ kind: "process", pid, name: "same", startTicks: ticks })).toBe("removed");
      expect(alive(pid)).toBe(false);
    } finally {
      victim.kill("SIGKILL");
    }
  });

  it("refuses to remove shallow paths and reports a dead writer", async () => {
    expect(await undoResource({ kind: "tempdir", path: "/tmp" })).toMatch(/^skipped/);
    expect(await undoResource({ kind: "tempdir", path: "relative/dir" })).toMatch(/^skipped/);
    expect(writerAlive(process.pid)).toBe(true);
    expect(writerAlive(0)).toBe(false);
    const dir = mkdtempSync(join(tmpdir(), "lsm-cleanup-l-"));
    dirs.push(dir);
    const ledger = new Ledger("t-alive", dir);
    ledger.willCreate({ kind: "file", path: join(dir, "never-made") });
    const [res] = await cleanupLedgers({ stateDir: dir });
    expect(res.cleaned).toBe(false); // our own process wrote it and is alive
    const [forced] = await cleanupLedgers({ stateDir: dir, all: true });
    expect(forced.cleaned).toBe(true);
    expect(forced.actions[0].outcome).toBe("already gone");
  });
});
