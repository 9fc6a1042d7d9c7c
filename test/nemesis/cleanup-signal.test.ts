// Ctrl-C and SIGTERM: a runner with the teardown handler removes everything it made (servers, a paused
// client, an iptables chain, namespaces, bridge, temp dir), closes its ledger and exits 130 / 143.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findBinary } from "../../backends/install.js";
import { run } from "../../nemesis/hosts.js";
import { readLedgers } from "../../nemesis/ledger.js";
import { readProcState } from "../../nemesis/processes.js";

const alive = (pid: number) => {
  const s = readProcState(pid);
  return s !== undefined && s !== "Z";
};
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

describe.skipIf(!findBinary("etcd") || !findBinary("redis-server"))("teardown on signals", () => {
  it.each([
    ["SIGINT", 130],
    ["SIGTERM", 143],
  ] as const)(
    "%s: everything is removed and the exit code is %i",
    async (sig, expected) => {
      const dir = mkdtempSync(join(tmpdir(), "lsm-signal-"));
      dirs.push(dir);
      const stateDir = join(dir, "state");
      const child = spawn(
        process.execPath,
        ["--import", "tsx", "test/nemesis/cleanup-child.ts", stateDir, dir, "signals"],
        {
          stdio: ["ignore", "pipe", "pipe"],
        },
      );
      let stderr = "";
      child.stderr.on("data", (d: Buffer) => {
        stderr += d.toString();
      });
      const report = await new Promise<{ pids: number[]; tempDir: string; netns: string[]; bridge?: string }>(
        (resolve, reject) => {
          let out = "";
          child.stdout.on("data", (d: Buffer) => {
            out += d.toString();
            const nl = out.indexOf("\n");
            if (nl >= 0) resolve(JSON.parse(out.slice(0, nl)));
          });
          child.once("exit", (code) => reject(new Error(`child exited early with ${code}: ${stderr}`)));
        },
      );
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
      for (const pid of report.pids) expect(alive(pid)).toBe(true);
      child.kill(sig);
      expect(await exited).toBe(expected);
      expect(stderr).toContain("tearing down");
      for (const pid of report.pids) expect(alive(pid)).toBe(false);
      expect(existsSync(report.tempDir)).toBe(false);
      const netnsList = await run("ip", ["netns", "list"]).catch(() => "");
      for (const ns of report.netns) expect(netnsList).not.toContain(ns);
      if (report.bridge) expect(await run("ip", ["-o", "link", "show"])).not.toContain(report.bridge);
      const [ledger] = readLedgers(stateDir);
      expect(ledger.closed).toBe(true);
      expect(ledger.outstanding).toEqual([]);
    },
    90_000,
  );
});
