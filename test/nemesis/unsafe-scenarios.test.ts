// End to end: known-unsafe scenarios reproduced as recorded histories that `locksmith check` finds INVALID.
// - redis-single under a forward clock jump on the server: held locks expire at once, another client
//   acquires while the holder's lease still runs by the runner's clock (not linearizable).
// - redis-replicated with failover after replication is cut: the promoted replica grants a held lock again.
// - redis-single with a client paused past its TTL: the lock service is right (linearizable) but the resumed
//   holder touches the resource while the next holder does (the exclusion check).

import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { type RecordOptions, record } from "../../runner/record.js";
import { canRunLive } from "./live-fixture.js";

function check(history: string): Promise<{ code: number; stdout: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--import", "tsx", "cli/bin.ts", "check", history, "--time-limit", "30"],
      { timeout: 90_000 },
      (err, stdout) =>
        resolve({ code: err ? ((err as { code?: number }).code ?? 255) : 0, stdout: String(stdout) }),
    );
  });
}

const line = (stdout: string, name: string) => stdout.split("\n").find((l) => l.startsWith(name)) ?? "";

const SCENARIOS: Array<{
  name: string;
  opts: Omit<RecordOptions, "outDir" | "log">;
  faultOp: string;
  expect: (stdout: string) => void;
}> = [
  {
    name: "redis-single under a forward server clock jump",
    opts: {
      lock: "redis-single",
      clients: 4,
      keys: 1,
      ttlMs: 3_000,
      durationS: 8,
      seed: 11,
      nemesis: "clock@primary",
      nemesisIntervalS: 1,
      nemesisOptions: { clockDirection: "forward", clockJumpMs: { min: 10_000, max: 20_000 } },
    },
    faultOp: "clock",
    expect: (out) => expect(line(out, "linearizable")).toMatch(/INVALID/),
  },
  {
    name: "redis-replicated with failover after replication is cut",
    // a 3 s cut outlasts the pre-cut lease (2 s), so the promoted replica is free while the lock is held
    opts: {
      lock: "redis-replicated",
      clients: 4,
      keys: 1,
      ttlMs: 2_000,
      durationS: 14,
      seed: 5,
      nemesis: "failover",
      nemesisIntervalS: 3,
    },
    faultOp: "promote",
    expect: (out) => expect(`${line(out, "linearizable")} ${line(out, "exclusion")}`).toMatch(/INVALID/),
  },
  {
    name: "redis-single with a client paused past its TTL",
    opts: {
      lock: "redis-single",
      clients: 3,
      keys: 1,
      ttlMs: 1_000,
      durationS: 12,
      seed: 5,
      nemesis: "client-pause",
      nemesisIntervalS: 2,
    },
    faultOp: "client-pause",
    expect: (out) => {
      expect(line(out, "linearizable")).toMatch(/valid/); // the lock service was right
      expect(line(out, "linearizable")).not.toMatch(/INVALID/);
      expect(line(out, "exclusion")).toMatch(/INVALID/); // the paused client was wrong
    },
  },
];

describe.skipIf(!canRunLive)("known-unsafe scenarios, recorded and checked", () => {
  const dir = mkdtempSync(join(tmpdir(), "lsm-unsafe-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const [i, sc] of SCENARIOS.entries()) {
    it(`${sc.name}: check reports a violation`, async () => {
      const out = join(dir, `run${i}`);
      const result = await record({ ...sc.opts, outDir: out, log: () => {} });
      expect(result.interrupted).toBe(false);
      const ops = readFileSync(join(out, "history.jsonl"), "utf8")
        .split("\n")
        .filter(Boolean)
        .map((l) => JSON.parse(l));
      const faults = ops.filter((o) => o.process === "nemesis" && o.type === "ok" && o.f === sc.faultOp);
      expect(faults.length).toBeGreaterThan(0);
      const verdict = await check(join(out, "history.jsonl"));
      console.log(`${sc.name}:\n${verdict.stdout}`);
      expect(verdict.code).toBe(1); // invalid
      sc.expect(verdict.stdout);
    }, 120_000);
  }
});
