// Cleanup after a runner dies in the middle of a fault: a child runner (fault-crash-child.ts) partitions,
// skews clocks, pauses processes or delays links, then is SIGKILLed (or gets Ctrl-C); afterwards
// `locksmith cleanup` (or the runner's own signal teardown) leaves no namespace, rule, offset file, stopped
// process, server or temp dir of the run. The fault is first shown to be really in effect.

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { respCommand } from "../../backends/redis/server.js";
import { cleanupLedgers } from "../../nemesis/cleanup.js";
import { readLedgers } from "../../nemesis/ledger.js";
import { readProcState } from "../../nemesis/processes.js";
import { sourceCliArgs } from "../cli/cli-argv.js";
import { canRunLive } from "./live-fixture.js";

interface Made {
  runId: string;
  netns: string[];
  bridge: string;
  pids: number[];
  chain?: string;
  tempDirs: string[];
  offsetFiles?: string[];
  paused?: number[];
  primary?: { address: string; port: number };
}

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z" && s !== "X";
};

function runCli(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, sourceCliArgs(args), { timeout: 60_000 }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout }),
    );
  });
}

function ipOut(args: string[]): Promise<string> {
  return new Promise((resolve) => execFile("ip", args, (_e, out) => resolve(String(out ?? ""))));
}

const children: ChildProcess[] = [];

async function startChild(fault: string, signals: boolean, dirs: string[]) {
  const dir = mkdtempSync(join(tmpdir(), "lsm-crash-"));
  dirs.push(dir);
  const stateDir = join(dir, "state");
  const args = ["--import", "tsx", "test/nemesis/fault-crash-child.ts", stateDir, dir, fault];
  if (signals) args.push("signals");
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  children.push(child);
  const made = await new Promise<Made>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)) as Made);
    });
    child.once("exit", (code) => reject(new Error(`child exited early with ${code}`)));
  });
  return { child, made, stateDir };
}

const exited = (child: ChildProcess) =>
  new Promise((resolve) =>
    child.exitCode !== null || child.signalCode !== null
      ? resolve(child.exitCode)
      : child.once("exit", resolve),
  );

/** Nothing of the run is left: namespaces, bridge, processes, stopped pids, offset files, temp dirs, ledger. */
async function expectNothingLeft(made: Made, stateDir: string) {
  const netnsList = await ipOut(["netns", "list"]);
  for (const ns of made.netns) expect(netnsList).not.toContain(ns);
  expect(await ipOut(["-o", "link", "show"])).not.toContain(made.bridge);
  for (const pid of made.pids) expect(alive(pid)).toBe(false);
  for (const pid of made.paused ?? []) expect(readProcState(pid) === "T" && alive(pid)).toBe(false);
  for (const f of made.offsetFiles ?? []) expect(existsSync(f)).toBe(false);
  for (const d of made.tempDirs) expect(existsSync(d)).toBe(false);
  const [after] = readLedgers(stateDir);
  expect(after.closed).toBe(true);
  expect(after.outstanding).toEqual([]);
}

/** The fault is really in effect while the runner lives. */
async function expectFaultInEffect(fault: string, made: Made) {
  if (fault === "partition" || fault === "all") {
    const rules = await new Promise<string>((resolve) =>
      execFile("ip", ["netns", "exec", made.netns[0], "iptables", "-w", "-S", made.chain!], (_e, out) =>
        resolve(String(out)),
      ),
    );
    expect(rules).toMatch(/-j DROP/);
  }
  if (fault === "clock" || fault === "all") {
    expect(made.offsetFiles?.length).toBeGreaterThanOrEqual(2);
    for (const f of made.offsetFiles ?? []) expect(existsSync(f)).toBe(true);
  }
  if (fault === "pause" || fault === "all")
    for (const pid of made.paused ?? []) expect(readProcState(pid)).toBe("T");
}

describe.skipIf(!canRunLive)("cleanup after the runner dies mid-fault", () => {
  const dirs: string[] = [];
  afterAll(async () => {
    // a test that failed half-way leaves its child and its run: undo them before the state dir goes
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all(children.map(exited));
    for (const d of dirs) {
      await cleanupLedgers({ stateDir: join(d, "state") }).catch(() => []);
      rmSync(d, { recursive: true, force: true });
    }
  }, 120_000);

  for (const fault of ["partition", "clock", "pause", "delay"]) {
    it(`SIGKILL mid-${fault}, then locksmith cleanup: nothing left`, async () => {
      const { child, made, stateDir } = await startChild(fault, false, dirs);
      await expectFaultInEffect(fault, made);
      if (fault === "clock") {
        // the primary's clock is an hour ahead: proof the shim is live in the server
        const t = (await respCommand(made.primary!.address, made.primary!.port, ["TIME"], 2_000)) as string[];
        expect(Number(t[0]) * 1000 - Date.now()).toBeGreaterThan(3_500_000);
      }
      child.kill("SIGKILL");
      await exited(child);
      for (const pid of made.pids) expect(alive(pid)).toBe(true); // orphans keep running, still faulted
      const cli = await runCli(["cleanup", "--state-dir", stateDir, "--json"]);
      expect(cli.code).toBe(0);
      const results = JSON.parse(cli.stdout) as Array<{
        cleaned: boolean;
        actions: Array<{ outcome: string }>;
      }>;
      expect(results[0].cleaned).toBe(true);
      expect(results[0].actions.filter((a) => a.outcome.startsWith("failed"))).toEqual([]);
      await expectNothingLeft(made, stateDir);
    }, 90_000);
  }

  for (const fault of ["partition", "pause"]) {
    it(`Ctrl-C mid-${fault}: the runner's own teardown leaves nothing`, async () => {
      const { child, made, stateDir } = await startChild(fault, true, dirs);
      await expectFaultInEffect(fault, made);
      child.kill("SIGINT");
      await exited(child);
      await expectNothingLeft(made, stateDir);
    }, 90_000);
  }
});
