// End to end: a known-unsafe scenario reproduced as a recorded history. redis-single while a forward clock
// jump hits the server: held locks expire at once, another client acquires one while its holder's lease is
// still running by the runner's clock, and `locksmith check` (lease-lock model) reports a violation.

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { record } from "../../runner/record.js";
import { canRunLive } from "./live-fixture.js";

describe.skipIf(!canRunLive)("redis-single under a forward server clock jump", () => {
  const dir = mkdtempSync(join(tmpdir(), "lsm-unsafe-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("records a history in which the lease-lock check finds a violation", async () => {
    const out = join(dir, "run");
    const result = await record({
      lock: "redis-single",
      clients: 4,
      keys: 1,
      ttlMs: 3_000,
      durationS: 8,
      outDir: out,
      seed: 11,
      nemesis: "clock@primary",
      nemesisIntervalS: 1,
      nemesisOptions: { clockDirection: "forward", clockJumpMs: { min: 10_000, max: 20_000 } },
      log: () => {},
    });
    expect(result.interrupted).toBe(false);
    const history = readFileSync(join(out, "history.jsonl"), "utf8").split("\n").filter(Boolean);
    const jumps = history.map((l) => JSON.parse(l)).filter((o) => o.process === "nemesis" && o.f === "clock");
    expect(
      jumps.some((o) => o.type === "ok" && o.value.jumpMs >= 10_000 && o.value.targets[0] === "redis"),
    ).toBe(true);
    const verdict = await new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        ["--import", "tsx", "cli/bin.ts", "check", join(out, "history.jsonl"), "--time-limit", "30"],
        { timeout: 90_000 },
        (err, stdout) =>
          resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout: String(stdout) }),
      );
    });
    console.log(verdict.stdout);
    expect(verdict.code).toBe(1); // invalid
  }, 120_000);
});
