// Cleanup of the peer-link fronts (nemesis/peer-links.ts) when the runner dies while the links between etcd
// members are delayed: after a SIGKILL, the helpers exit on their own (their IPC channel closes) and
// `locksmith cleanup` removes the rest; after Ctrl-C, the runner's own teardown does. Either way no
// namespace, helper, etcd member, nat chain, temp dir or ledger entry of the run is left. The delay is first
// shown to be in effect (a write through the leader takes >= 300 ms).

import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { cleanupLedgers } from "../../nemesis/cleanup.js";
import { readLedgers } from "../../nemesis/ledger.js";
import { readProcState } from "../../nemesis/processes.js";
import { sourceCliArgs } from "../cli/cli-argv.js";
import { canRunLive, pollFor } from "./live-fixture.js";

interface Made {
  runId: string;
  netns: string[];
  bridge: string;
  pids: number[];
  helpers: number[];
  chain: string;
  tempDirs: string[];
  leader: string;
  leaderUrl: string;
}

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z" && s !== "X";
};

function run(file: string, args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) =>
    execFile(file, args, { timeout: 60_000 }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout: String(stdout ?? "") }),
    ),
  );
}

const children: ChildProcess[] = [];
const dirs: string[] = [];

async function startChild(signals: boolean) {
  const dir = mkdtempSync(join(tmpdir(), "lsm-crash-peer-"));
  dirs.push(dir);
  const stateDir = join(dir, "state");
  const args = ["--import", "tsx", "test/nemesis/crash-peer-child.ts", stateDir, dir];
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

/** The delay is on: a put through etcd's gateway on the leader's host takes >= 300 ms. */
async function expectDelayed(made: Made) {
  const nat = await run("ip", [
    "netns",
    "exec",
    made.netns[0],
    "iptables",
    "-w",
    "-t",
    "nat",
    "-S",
    made.chain,
  ]);
  expect(nat.stdout).toMatch(/-j DNAT/);
  for (const pid of made.helpers) expect(alive(pid)).toBe(true);
  const t0 = performance.now();
  const res = await fetch(`${made.leaderUrl}/v3/kv/put`, {
    method: "POST",
    body: JSON.stringify({ key: btoa("crash-peer"), value: btoa("1") }),
    signal: AbortSignal.timeout(10_000),
  });
  expect(res.ok).toBe(true);
  expect(performance.now() - t0).toBeGreaterThanOrEqual(300);
}

async function expectNothingLeft(made: Made, stateDir: string) {
  const netnsList = (await run("ip", ["netns", "list"])).stdout;
  for (const ns of made.netns) expect(netnsList).not.toContain(ns);
  expect((await run("ip", ["-o", "link", "show"])).stdout).not.toContain(made.bridge);
  for (const pid of [...made.pids, ...made.helpers]) expect(alive(pid), `pid ${pid}`).toBe(false);
  for (const d of made.tempDirs) expect(existsSync(d)).toBe(false);
  const [after] = readLedgers(stateDir);
  expect(after.closed).toBe(true);
  expect(after.outstanding).toEqual([]);
}

describe.skipIf(!canRunLive)("cleanup of the peer-link fronts after the runner dies", () => {
  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
    await Promise.all(children.map(exited));
    for (const d of dirs) {
      await cleanupLedgers({ stateDir: join(d, "state") }).catch(() => []);
      rmSync(d, { recursive: true, force: true });
    }
  }, 120_000);

  it("SIGKILL while the leader's peer links are delayed: the helpers exit, locksmith cleanup removes the rest", async () => {
    const { child, made, stateDir } = await startChild(false);
    await expectDelayed(made);
    child.kill("SIGKILL");
    await exited(child);
    // the helpers notice the runner is gone (their IPC channel closes) and exit by themselves
    await pollFor(async () => (made.helpers.some(alive) ? undefined : true), 5_000, "the helpers to exit");
    for (const pid of made.pids) expect(alive(pid)).toBe(true); // orphaned members keep running
    const cli = await run(process.execPath, sourceCliArgs(["cleanup", "--state-dir", stateDir, "--json"]));
    expect(cli.code).toBe(0);
    const results = JSON.parse(cli.stdout) as Array<{
      cleaned: boolean;
      actions: Array<{ outcome: string }>;
    }>;
    expect(results[0].cleaned).toBe(true);
    expect(results[0].actions.filter((a) => a.outcome.startsWith("failed"))).toEqual([]);
    await expectNothingLeft(made, stateDir);
  }, 90_000);

  it("Ctrl-C while the leader's peer links are delayed: the runner's own teardown leaves nothing", async () => {
    const { child, made, stateDir } = await startChild(true);
    await expectDelayed(made);
    child.kill("SIGINT");
    await exited(child);
    await expectNothingLeft(made, stateDir);
  }, 90_000);
});
