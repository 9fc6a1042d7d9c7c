// `locksmith doctor`: the JSON lists every check with what to do when it fails, and the exit code is 0
// exactly when every check the default run needs passed (254 otherwise).

import { execFile } from "node:child_process";
import { describe, expect, it } from "vitest";
import { renderDoctor } from "../../cli/commands/doctor.js";
import { type CheckOutcome, type DoctorCheck, defaultRunReady, runChecks } from "../../nemesis/doctor.js";
import { sourceCliArgs } from "./cli-argv.js";

function locksmith(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, sourceCliArgs(args), { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout, stderr }),
    );
  });
}

describe("locksmith doctor", () => {
  it("--json reports every check, a fix for each failure, and an exit code matching readiness", async () => {
    const { code, stdout } = await locksmith(["doctor", "--json"]);
    const report = JSON.parse(stdout) as { ready: boolean; checks: CheckOutcome[] };
    const ids = report.checks.map((c) => c.id);
    for (const id of [
      "node",
      "etcd",
      "etcdctl",
      "redis-server",
      "docker",
      "root",
      "netns",
      "iptables",
      "netem",
      "cc",
    ])
      expect(ids).toContain(id);
    for (const c of report.checks) {
      expect(c.detail.length).toBeGreaterThan(0);
      if (!c.ok) expect(c.fix, `fix for ${c.id}`).toBeTruthy();
    }
    expect(report.ready).toBe(report.checks.every((c) => c.ok || !c.requiredForDefault));
    expect(code).toBe(report.ready ? 0 : 254);
  });

  it("the text form marks required failures FAIL and says not ready", async () => {
    const checks: DoctorCheck[] = [
      {
        id: "a",
        title: "needed",
        requiredForDefault: true,
        run: async () => ({ ok: false, detail: "gone", fix: "install a" }),
      },
      {
        id: "b",
        title: "optional",
        requiredForDefault: false,
        run: async () => ({ ok: false, detail: "off", fix: "enable b" }),
      },
      {
        id: "c",
        title: "crashes",
        requiredForDefault: false,
        run: async () => Promise.reject(new Error("boom")),
      },
    ];
    const outcomes = await runChecks(checks);
    expect(outcomes[2]).toMatchObject({ ok: false, detail: "check crashed: boom" });
    expect(defaultRunReady(outcomes)).toBe(false);
    expect(defaultRunReady(outcomes.slice(1))).toBe(true);
    const text = renderDoctor(outcomes);
    expect(text).toMatch(/^FAIL needed/m);
    expect(text).toMatch(/^no {3}optional/m);
    expect(text).toContain("-> install a");
    expect(text).toContain("not ready");
  });
});
