// `locksmith cleanup`: given a ledger left by a dead runner, it removes what is outstanding, prints it,
// closes the ledger and exits 0; a second run finds nothing. Ledgers of live runners are left alone.

import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { Ledger, readLedgers } from "../../nemesis/ledger.js";
import { sourceCliArgs } from "./cli-argv.js";

function locksmith(args: string[]): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, sourceCliArgs(args), { timeout: 60_000 }, (err, stdout) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout }),
    );
  });
}

const root = mkdtempSync(join(tmpdir(), "lsm-cli-cleanup-"));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe("locksmith cleanup", () => {
  it("undoes a dead runner's ledger, says what it removed, and closes it", async () => {
    const stateDir = join(root, "state");
    const leftDir = join(root, "locksmith-deadrun");
    mkdirSync(join(leftDir, "etcd1.data"), { recursive: true });
    const offset = join(root, "offsets", "c1.offset");
    mkdirSync(join(root, "offsets"));
    writeFileSync(offset, "5000\n");
    // a ledger whose writer is a process that has exited (its pid is dead)
    const dead = spawnSync(process.execPath, ["-e", "0"]).pid as number;
    const ledgerDir = join(stateDir, "ledgers");
    mkdirSync(ledgerDir, { recursive: true });
    const at = new Date().toISOString();
    const lines = [
      { seq: 0, op: "open", runId: "deadrun", pid: dead, at },
      { seq: 1, op: "create", resource: { kind: "tempdir", path: leftDir }, at },
      { seq: 2, op: "create", resource: { kind: "file", path: offset }, at },
      {
        seq: 3,
        op: "create",
        resource: { kind: "process", pid: 0, name: "never started", tag: "deadrun:0:1" },
        at,
      },
    ];
    writeFileSync(join(ledgerDir, "deadrun.jsonl"), `${lines.map((l) => JSON.stringify(l)).join("\n")}\n`);
    // and a live one (this process), which must be left alone
    const live = new Ledger("liverun", stateDir);
    const keep = join(root, "keep-me");
    mkdirSync(keep);
    live.willCreate({ kind: "tempdir", path: keep });

    const dry = await locksmith(["cleanup", "--state-dir", stateDir, "--dry-run"]);
    expect(dry.code).toBe(0);
    expect(dry.stdout).toMatch(/run deadrun .*would remove/);
    expect(dry.stdout).toContain(`temp dir ${leftDir}`);
    expect(existsSync(leftDir)).toBe(true); // nothing changed

    const first = await locksmith(["cleanup", "--state-dir", stateDir]);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain("run deadrun");
    expect(first.stdout).toMatch(/removed\s+temp dir .*locksmith-deadrun/);
    expect(first.stdout).toMatch(/removed\s+file .*c1\.offset/);
    expect(first.stdout).toMatch(/already gone\s+process never started/);
    expect(first.stdout).toMatch(/run liverun: left alone/);
    expect(existsSync(leftDir)).toBe(false);
    expect(existsSync(offset)).toBe(false);
    expect(existsSync(keep)).toBe(true);
    const byRun = new Map(readLedgers(stateDir).map((l) => [l.runId, l]));
    expect(byRun.get("deadrun")?.closed).toBe(true);
    expect(byRun.get("liverun")?.closed).toBe(false);

    const second = await locksmith(["cleanup", "--state-dir", stateDir, "--json"]);
    expect(second.code).toBe(0);
    const report = JSON.parse(second.stdout) as Array<{ runId: string; cleaned: boolean }>;
    expect(report).toEqual([expect.objectContaining({ runId: "liverun", cleaned: false })]);
    live.close();
  });
});
